"""The command line's commands, by area; ``kiosk.cli`` builds the parser over them."""
