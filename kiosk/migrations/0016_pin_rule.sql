-- Issue 12: whether an account's PIN met the PIN rule when it was set (kiosk/codes.py: six
-- digits or more, none of the guessable ones). A PIN cannot be read back from its hash, so
-- this is recorded when it is set: 1 met the rule, 0 below it, NULL not known (set before
-- this rule, or published by the centre as a hash). `user list` marks every account not at 1.
ALTER TABLE users ADD COLUMN pin_rule INTEGER;
