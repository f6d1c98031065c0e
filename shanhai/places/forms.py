from django import forms
from django.utils.translation import gettext_lazy as _

from shanhai.accounts.models import Side
from shanhai.places.models import Organisation, Place


class PlaceSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)
    side = forms.ChoiceField(
        label=_("Side"), required=False, choices=[("", _("Both sides")), *Side.choices]
    )
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *Place.Level.choices]
    )


class OrganisationSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or credit code"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Organisation.Kind.choices]
    )
    side = forms.ChoiceField(
        label=_("Side"), required=False, choices=[("", _("Both sides")), *Side.choices]
    )
