"""Commands for what visitors see away from the desk: the queue page for their phones."""

from __future__ import annotations

import sys

from kiosk.commands.common import Context
from kiosk.i18n import t
from kiosk.listen import check_address


def cmd_queue_page(ctx: Context) -> int:
    """Serve the ticket pages (kiosk.phone) until stopped."""
    from kiosk import phone

    settings = ctx.settings
    host = ctx.args.host or settings.phone.host
    port = ctx.args.port or settings.phone.port
    check_address(host, port)
    public = settings.phone.public_url
    print(t("phone.serving", ctx.lang, host=host, port=port, public=public or "-"), file=sys.stderr)
    if not public:
        print(f"pst-kiosk: {t('phone.no_public', ctx.lang)}", file=sys.stderr)
    phone.serve(settings, host, port)
    return 0
