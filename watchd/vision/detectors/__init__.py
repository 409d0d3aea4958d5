"""Object detectors behind one interface: what moved (person, vehicle, animal) in a camera picture.

- base.py: `Detection`, the `Detector` protocol, the classes and `DetectorError`;
- registry.py: the detectors by name (`create_detector`), like devices/registry.py for drivers;
- model.py: the pinned model file (version, SHA-256, where make's install step puts it);
- oidv4.py: MediaPipe's SSD-MobileNetV2 OIDv4 (person, vehicle, some animals) on LiteRT;
- hog.py: OpenCV's built-in HOG people detector (person only, always available);
- regions.py: crops around moving regions and the class each region gets.
"""
