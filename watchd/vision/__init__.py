"""Face detection, encoding, gallery matching and liveness: pure functions over numpy arrays.

Modules: `images` (untrusted bytes to RGB), `faces` (dlib detection, landmarks, encodings),
`gallery` (vectorised matching), `liveness` (head-turn challenge), `recognition` (the engine: the
gallery plus the worker processes that analyse images, used by check-ins, enrolment and the duty
watch). Nothing here does I/O beyond loading the dlib models, touches the database or imports the
API, the services or device drivers.
"""
