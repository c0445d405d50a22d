"""Face detection, encoding, template encryption and search.

This package is the only place that imports face_recognition (and so dlib), and
only lazily: importing it loads the models (hundreds of MB, about a second).
"""
