"""The Datadog API, one module per job, data flowing down the list:

- :mod:`.seats`, :mod:`.users`, :mod:`.teams`: one API area each (paths, bodies, the
  entries of its answers, its advice for error messages);
- :mod:`.paging`: the two ways a listing is paged (cursor, page number), bounded;
- :mod:`.transport`: the one HTTP session, and what every request needs;
- :mod:`.failures`: what a request that got no answer ran into (a certificate, a proxy,
  the network), in words that say what to do;
- :mod:`.trust`: which certificate authorities are trusted (the system store, or what
  REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, SSL_CERT_FILE name);
- :mod:`.answers`: a successful answer and the checks of its JSON shape;
- :mod:`.advice`: the error an error answer raises, and what each area advises;
- :mod:`.retry`: the retry policy, and the one rule of which outcomes are unclear.
"""
