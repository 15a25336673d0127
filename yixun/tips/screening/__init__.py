"""How a tip is read for spam: the lexicons of the spam families, the reading of a text's shape
and disguises, and the small classifier shipped with them. Pure text work, no database: the
service that scores tips and learns from moderators is `yixun.tips.services.screening`."""
