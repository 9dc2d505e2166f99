"""The desk's own records beside the queue and the sales: what each served visitor came
for (``records``, with BPS's subject list in ``subjects``) and the complaints and
suggestions register (``complaints``). Free text from both goes through ``text``."""
