"""Importers of the national open data: territories, collectivités, établissements and their figures.

- ``registry``: the datasets (file, official address, title, producer, licence, vintage);
- ``readers``: CSV (pandas' C parser, or the csv module for irregular files) and JSON reading, column by column,
  with column aliases, strict UTF-8, errors with file, line and column;
- ``decoupage``: régions, académies, départements, EPCI, communes;
- ``collectivites``: collectivités and competences, special statutes from ``territoires/data``;
- ``etablissements``: établissements, circonscriptions, effectifs, IPS (precedence in its docstring);
- ``ecriture``: bulk synchronisation; ``run``: the whole import, all or nothing.
"""
