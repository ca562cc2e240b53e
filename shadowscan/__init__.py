"""shadowscan: shadow-AI discovery from proxy, DNS, firewall and SaaS audit logs, fully local.

The pipeline: log files -> parse (``sources``) -> normalised events (``schema``) -> match
against the signature catalog (``catalog``, ``match``) -> enrich with identity
(``identity``) -> apply the sanction policy (``policy``) -> aggregate to findings
(``findings``) -> reports (``report``). ``scan`` wires the stages together.
"""

__version__ = "0.1.0"
