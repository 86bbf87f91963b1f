"""Forms of the admin's intermediate pages and fields the default admin forms lack."""

import re

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect

from archive.models import (
    Agency,
    Article,
    ArticleAgency,
    ArticleInitiative,
    ArticleRegion,
    Initiative,
)

# Staff type aliases one a line or separated by Latin or Chinese commas and enumeration marks.
_ALIAS_SEPARATORS = re.compile(r"[\n\r,，、;；]+")


class AliasesField(forms.CharField):
    """An ArrayField of names edited as text, one name a line; blanks and repeats dropped."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 40})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "每行一个别名，也可用逗号或顿号分隔。")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        names = []
        for name in _ALIAS_SEPARATORS.split(super().to_python(value) or ""):
            name = name.strip()
            if name and name not in names:
                names.append(name)
        return names


class ReviewFlagsField(forms.TypedMultipleChoiceField):
    """The review flags as ticked boxes with their Chinese labels."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("choices", Article.ReviewFlag.choices)
        super().__init__(**kwargs)


def _autocomplete(model_field, admin_site, label, required=True):
    """A select with the admin's own autocomplete, searching like the target's changelist."""
    return forms.ModelChoiceField(
        queryset=model_field.remote_field.model._default_manager.all(),
        widget=AutocompleteSelect(model_field, admin_site, attrs={"style": "width: 28em"}),
        label=label,
        required=required,
    )


class DuplicateForm(forms.Form):
    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["primary"] = _autocomplete(
            Article._meta.get_field("duplicate_of"), admin_site, "主稿（保留显示的文章）"
        )


class LinkForm(forms.Form):
    """Region, agency and/or initiative to set on many articles at once."""

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        for name, model, label in (
            ("region", ArticleRegion, "地区"),
            ("agency", ArticleAgency, "公安单位"),
            ("initiative", ArticleInitiative, "专项行动"),
        ):
            self.fields[name] = _autocomplete(
                model._meta.get_field(name), admin_site, label, required=False
            )

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in ("region", "agency", "initiative")):
            raise forms.ValidationError("请至少选择一个地区、单位或专项行动。")
        return data


class ClearFlagsForm(forms.Form):
    flags = ReviewFlagsField(label="清除这些标记", required=True)
    note = forms.CharField(
        label="审核说明（可选，追加到文章的审核说明）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )

    def __init__(self, *args, present_flags=(), **kwargs):
        super().__init__(*args, **kwargs)
        if present_flags and not self.is_bound:
            self.fields["flags"].initial = list(present_flags)


class MergeForm(forms.Form):
    """Which of the selected agencies (or initiatives) is kept."""

    keep = forms.ModelChoiceField(
        queryset=Agency.objects.none(), widget=forms.RadioSelect, label="保留", empty_label=None
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = candidates
        self.fields["keep"].label_from_instance = self.describe
        if not self.is_bound:
            self.fields["keep"].initial = max(candidates, key=lambda c: c.article_count).pk

    @staticmethod
    def describe(entity):
        parts = [f"{entity.name}（#{entity.pk}）", f"{entity.article_count} 篇文章"]
        if isinstance(entity, Agency):
            if entity.region_id:
                parts.append(f"区划：{entity.region}")
            parts.append(f"{entity.children_count} 个下级单位")
        if isinstance(entity, Initiative):
            parts.append(entity.get_status_display())
        if entity.aliases:
            parts.append("别名：" + "、".join(entity.aliases))
        return " · ".join(parts)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="文件",
        help_text="可多选；也可上传一个或多个 zip 压缩包（将安全解压后逐个导入）。",
    )
