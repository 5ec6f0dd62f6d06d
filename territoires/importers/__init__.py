"""Importers of the national open data: territories, collectivités, établissements and their figures.

- ``registry``: the datasets (file, official address, title, producer, licence, vintage);
- ``readers``: CSV/JSON reading with column aliases, strict UTF-8, errors with file, line and column;
- ``decoupage``: régions, académies, départements, EPCI, communes;
- ``collectivites``: collectivités and competences, special statutes from ``territoires/data``;
- ``etablissements``: établissements, circonscriptions, effectifs, IPS (precedence in its docstring);
- ``ecriture``: bulk synchronisation; ``run``: the whole import, all or nothing.
"""
