"""The Textual faces: kiosk (visitors), counter (officers), display (waiting room)."""
