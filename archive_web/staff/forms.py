"""The staff pages' forms. Flask-WTF adds the CSRF token to each; the blueprint checks it on every POST."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, DateTimeLocalField, EmailField, HiddenField, PasswordField, \
    SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, EqualTo, Length, Optional

from storage.localtime import NonexistentLocalTime, to_utc
from storage.models import MemberRole, Role, Visibility
from storage.users import MIN_PASSWORD_LENGTH

from ..public.formatting import local_datetime, site_zone

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def options(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as select options."""
    return [SelectChoice(value, label) for value, label in pairs]


class CouncilDateTimeField(DateTimeLocalField):
    """A date and time that staff see and type on the council's clock (``CHAMBER_TIMEZONE``); ``data`` is naive
    UTC, as the database keeps it, so views never convert."""

    def __init__(self, *args, **kwargs):  # runs when a form is made, inside a request, so the zone is known
        kwargs.setdefault("description", f"On the council's clock ({site_zone().key}).")
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            try:
                self.data = to_utc(self.data, site_zone())
            except NonexistentLocalTime as exc:  # data stays set, so DataRequired does not replace this message
                raise ValueError(str(exc)) from None

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return local_datetime(self.data, self.format[0])


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1000)])
    confirm = PasswordField("New password again", validators=[DataRequired(), EqualTo("new", "The new passwords "
                                                                                              "do not match.")])


class UserForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=320)])
    name = StringField("Name", validators=[Optional(), Length(max=200)])
    role = SelectField("Role", choices=options((r.value, r.value.title()) for r in Role), default=Role.CLERK.value)
    password = PasswordField("Temporary password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)])


class CommitteeForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])


class MemberForm(FlaskForm):
    """Shown on the committee's page beside the committee's own form, hence the ``member-`` prefix on its fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="member", **kwargs)

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role", choices=options((r.value, r.value.title()) for r in MemberRole),
                       default=MemberRole.COUNCILLOR.value)


class MeetingForm(FlaskForm):
    committee_id = SelectField("Committee", coerce=int, validators=[DataRequired()])
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    scheduled_start = CouncilDateTimeField("Date and time", format=DATETIME_FORMAT,
                                           validators=[DataRequired()])
    location = StringField("Location", validators=[Optional(), Length(max=300)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=10000)])


class PostponeForm(FlaskForm):
    new_start = CouncilDateTimeField("New date and time (leave empty if not known yet)", format=DATETIME_FORMAT,
                                     validators=[Optional()])


class VisibilityForm(FlaskForm):
    visibility = SelectField("Who can see this meeting",
                             choices=options([(Visibility.DRAFT.value, "Draft – staff only, not yet published"),
                                              (Visibility.PUBLIC.value, "Public – on the public site"),
                                              (Visibility.PRIVATE.value, "Private – staff only, never published")]))


class AgendaItemForm(FlaskForm):
    number = StringField("Number", validators=[Optional(), Length(max=20)], description='For example "5a".')
    title = StringField("Title", validators=[DataRequired(), Length(max=500)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=20000)])


class PaperForm(FlaskForm):
    """Shown beside the agenda item form, hence the ``paper-`` prefix on its fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="paper", **kwargs)

    title = StringField("Title", validators=[Optional(), Length(max=300)],
                        description="Leave empty to use the file name.")
    agenda_item_id = SelectField("Agenda item", coerce=int, default=0)
    file = FileField("File (PDF, Word, Excel, PowerPoint or OpenDocument)", validators=[DataRequired()])


class SegmentForm(FlaskForm):
    text = TextAreaField("Text", validators=[DataRequired(), Length(max=10000)])
    speaker = StringField("Speaker", validators=[Optional(), Length(max=200)])


class RetranscribeForm(FlaskForm):
    model = StringField("Model", validators=[Optional(), Length(max=200)],
                        description="A faster-whisper model name or folder on the worker, e.g. small.en. "
                                    "Empty: the configured default.")


class ImportForm(FlaskForm):
    committee_id = SelectField("Committee", coerce=int, validators=[DataRequired()])
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    date = DateField("Date of the meeting", validators=[DataRequired()])
    file = FileField("Video or audio file", validators=[Optional()])
    url = StringField("…or the URL of the recording", validators=[Optional(), URL(), Length(max=1000)])
    public = BooleanField("Publish once processed")

