"""The search parameters, read from GET. Any text is a valid query: nothing ASCII-only here."""

import datetime

from django import forms
from django.utils import timezone

SORTS = [("relevance", "相关度"), ("date", "日期")]


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=500, strip=True)
    region = forms.CharField(required=False, max_length=12)
    agency = forms.IntegerField(required=False, min_value=1)
    initiative = forms.CharField(required=False, max_length=80)
    year = forms.IntegerField(required=False, min_value=1900, max_value=2200)
    sort = forms.ChoiceField(required=False, choices=SORTS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" and "to" are Python keywords, hence not class attributes.
        self.fields["from"] = forms.DateField(required=False, label="起始日期")
        self.fields["to"] = forms.DateField(required=False, label="截止日期")

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            raise forms.ValidationError("起始日期晚于截止日期。")
        data["start_ts"] = _timestamp(start) if start else None
        data["end_ts"] = _timestamp(end + datetime.timedelta(days=1)) - 1 if end else None
        return data


def _timestamp(day):
    """Seconds at local midnight of ``day`` (the index stores publication as epoch seconds)."""
    moment = datetime.datetime.combine(day, datetime.time(), timezone.get_current_timezone())
    return int(moment.timestamp())
