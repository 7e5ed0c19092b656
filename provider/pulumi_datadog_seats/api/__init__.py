"""The Datadog API, one module per job, data flowing down the list:

- :mod:`.seats`, :mod:`.users`, :mod:`.teams`: one API area each (paths, bodies, the
  entries of its answers, its advice for error messages);
- :mod:`.paging`: the two ways a listing is paged (cursor, page number), bounded;
- :mod:`.transport`: the one HTTP session, and what every request needs;
- :mod:`.answers`: a successful answer and the checks of its JSON shape;
- :mod:`.retry`: the retry policy, and the one rule of which outcomes are unclear.
"""
