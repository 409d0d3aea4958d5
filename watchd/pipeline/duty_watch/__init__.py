"""The duty-room watch: desk camera pictures -> presence -> observations and the presence timeline.

- watch.py: `DutyWatch`, pictures and status per camera, the room's tracker, the ticks, the consumer;
- faces.py: faces in the seat crop and who they are; files.py: the empty-seat references, the
  "mark empty" markers and the incident snapshots; decisions.py: the presence timeline,
  `duty_room_unwatched` and `wrong_person_on_duty`; state.py: what is kept between pictures.
"""
