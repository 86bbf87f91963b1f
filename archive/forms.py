"""Filters of the browse lists, read from the query string so every filtered list has a
stable URL (?year=2021&agency=12)."""

from django import forms


class ListFilterForm(forms.Form):
    year = forms.IntegerField(label="年份", required=False, min_value=1949, max_value=2100)
    agency = forms.IntegerField(label="公安单位", required=False, min_value=1)
