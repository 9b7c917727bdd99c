"""The Flask front end of bipmkg (SPARQL endpoint, entity pages, network views).

It adapts `bipmkg` functions to HTTP and never the reverse; the app factory lands with the
SPARQL issue.
"""
