"""What the desk says about its own running: a late delivery after an outage, a parked press, dead letters."""

# Said once the outbox reaches a platform again after an outage (a late acknowledgement ends with it,
# and a run of late notices to one chat goes out as one message under it).
LATE_APOLOGY = "Sorry for the delay: we were cut off from {platform} for {duration}."
# A button press whose handling failed was parked (kept for a replay), not lost.
PRESS_PARKED = "That could not be done right now; it was kept and the team will retry it."
# Answers of the dead-letters command to an operator.
DEAD_LETTER_NOT_FOUND = "No dead letter #{id}."
DEAD_LETTER_NOT_WAITING = "Dead letter #{id} is {status}; only a parked one can be {action}."

# Refusals of a database the desk cannot use (db/checks.py).
DATABASE_FOLDER_MISSING = ("The database folder {folder} does not exist: create it, or point [database] url "
                           "(or DATABASE_URL) somewhere that exists.")
DATABASE_READ_ONLY = ("The database {where} is read-only: supportbot must be able to write it and its folder "
                      "(SQLite keeps -wal and -shm files beside it).")
DATABASE_UNREACHABLE = "Cannot open the database {where}: {reason}"
SCHEMA_OUTDATED = ("The database schema is at {current} but this version needs {head}. "
                   "Run `supportbot db upgrade` (with the same config) first.")
