"""Reads the service catalogue in catalogue/ (YAML data).

Not named `catalogue`: that is the name of a library spaCy and thinc import, and a package of
ours with the same name would shadow it inside the Rasa server.
"""
