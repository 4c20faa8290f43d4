"""The kinds of reminder, which of them a person may mute, and at what local time each goes out.

Essential kinds cannot be muted with /pengingat:
  - report_deadline: a Posyandu's report missing at the deadline costs every cadre of it the month's
    incentive;
  - training: sent only for a training the cadre signed up for (a limited seat); to stop them, cancel
    the registration in /pelatihan.
The others (the day before Posyandu day, "incentive paid", the monthly BPJS Ketenagakerjaan note)
are helpful but not needed to keep one's incentive or seat.
"""

from __future__ import annotations

import datetime as dt

REPORT_DEADLINE = "report_deadline"
ACTIVITY_DAY = "activity_day"
INCENTIVE_PAID = "incentive_paid"
TRAINING = "training"
BPJS = "bpjs"

ALL_KINDS = (REPORT_DEADLINE, ACTIVITY_DAY, INCENTIVE_PAID, TRAINING, BPJS)
ESSENTIAL = frozenset({REPORT_DEADLINE, TRAINING})
MUTABLE = tuple(kind for kind in ALL_KINDS if kind not in ESSENTIAL)
# A linked mother's reminders about her child (issue #17; handlers/scheduling/child_rules.py), all
# mutable: the day before Posyandu day, vitamin A in February and August, the next immunisation.
CHILD_POSYANDU_DAY = "child_posyandu_day"
CHILD_VITAMIN_A = "child_vitamin_a"
CHILD_IMMUNISATION = "child_immunisation"
MOTHER_KINDS = (CHILD_POSYANDU_DAY, CHILD_VITAMIN_A, CHILD_IMMUNISATION)

# Local times (the TIMEZONE setting, WITA by default).
REPORT_REMINDER_AT = dt.time(9, 0)  # D-3 and D-1 before the report deadline
REPORT_DAYS_BEFORE = (3, 1)
ACTIVITY_REMINDER_AT = dt.time(16, 0)  # the afternoon before the Posyandu's usual day
TRAINING_REMINDER_AT = dt.time(9, 0)  # D-7 and D-1
TRAINING_DAYS_BEFORE = (7, 1)
TRAINING_MORNING_AT = dt.time(6, 0)  # the morning of the training (or an hour before, if earlier)
BPJS_DAY = 10  # once a month, on this day
BPJS_REMINDER_AT = dt.time(9, 0)

# A reminder that could not go out in time (the bot was down) is dropped after this long: a
# "three days left" note is wrong two days later.
STALE_AFTER = {
    REPORT_DEADLINE: dt.timedelta(hours=12),
    ACTIVITY_DAY: dt.timedelta(hours=6),
    TRAINING: dt.timedelta(hours=12),
    BPJS: dt.timedelta(days=3),
    INCENTIVE_PAID: dt.timedelta(days=14),
    CHILD_POSYANDU_DAY: dt.timedelta(hours=6),
    CHILD_VITAMIN_A: dt.timedelta(days=7),
    CHILD_IMMUNISATION: dt.timedelta(days=7),
}

# The WhatsApp template kind (bot/channels/whatsapp_templates.yaml) of the outbox rows they become.
NOTIFICATION_KIND = "reminder"
