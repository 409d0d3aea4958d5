"""User-facing text (Simplified Chinese) for every error and outcome code."""

from __future__ import annotations

ZH: dict[str, str] = {
    # images
    "empty": "文件为空",
    "too_large": "文件太大",
    "not_an_image": "不是可识别的图片文件",
    "truncated": "图片不完整（文件被截断）",
    "too_many_pixels": "图片分辨率过大",
    "bad_dimensions": "图片尺寸无效",
    "unsupported_media_type": "文件类型不支持，请上传 JPEG 或 PNG 图片",
    # faces
    "no_face": "未检测到人脸，请正对摄像头",
    "several_faces": "照片中有多张人脸，每张照片只能有一个人",
    "face_too_small": "人脸太小，请靠近摄像头或使用更清晰的照片",
    # recognition and liveness
    "unknown_person": "未能识别身份，请重试或联系管理员",
    "not_frontal": "请正对摄像头",
    "no_turn": "未检测到转头动作，请按提示缓慢转头",
    "wrong_direction": "转头方向不对，请按提示方向转头",
    "discontinuous": "画面中人脸不连续，请保持在画面内",
    "too_few_frames": "画面太少，请重试",
    "liveness_failed": "活体检测未通过",
    # check-in
    "accepted": "签到成功",
    "duplicate": "已签到，无需重复",
    "naive_time": "时间格式缺少时区",
    "future_time": "设备时间超前，请校准设备时钟",
    "too_old": "离线记录过旧，已拒收",
    "bad_key": "请求编号无效",
    "too_many_frames": "上传的画面过多",
    # people and auth
    "person_not_found": "人员不存在",
    "person_exists": "人员编号已存在",
    "unknown_village": "所属嘎查（村）不存在",
    "no_photos": "请至少上传一张照片",
    "bad_credentials": "用户名或密码错误",
    "not_authenticated": "请先登录",
    "forbidden": "没有权限",
    "metrics_denied": "无权读取监控指标（地址不在允许列表内或令牌无效）",
    "metrics_disabled": "监控指标未启用",
    "unknown_device": "设备未登记或令牌无效",
    "device_not_found": "设备不存在",
    "not_a_kiosk": "该设备不是签到终端",
    "bad_request": "请求格式错误",
    # incidents and alerts
    "incident_not_found": "警情不存在",
    "snapshot_not_found": "没有现场抓拍",
    "link_invalid": "链接无效，请回复短信 1 确认，或联系值班室",
    "link_expired": "链接已过期，请回复短信 1 确认，或联系值班室",
    "channel_not_found": "通知渠道不存在",
    "callback_rejected": "回执内容无效",
    # attendance, leave, make-up punches, visits
    "leave_bad_span": "请假结束时间必须晚于开始时间",
    "leave_too_long": "单次请假不能超过 180 天",
    "leave_too_old": "请假开始时间超出可补报的期限",
    "reason_required": "请填写事由（不超过 500 字）",
    "leave_overlaps": "这段时间已有请假申请",
    "leave_overlaps_duty": "请假时间与值班冲突，请先办理换班",
    "leave_not_found": "请假申请不存在",
    "makeup_in_future": "补卡时间不能晚于现在",
    "makeup_too_old": "补卡时间超出可补的期限",
    "makeup_cap_reached": "本月补卡次数已用完",
    "makeup_not_found": "补卡申请不存在",
    "already_decided": "该申请已经处理过",
    "not_the_leader": "只有本单位领导可以审批",
    "site_not_found": "地点不存在",
    "override_not_found": "该日期没有手工录入的节假日调整",
    "import_unreadable": "无法读取文件，请上传 CSV 或 Excel（.xlsx）表格",
    "import_empty": "表格中没有数据行",
    "import_missing_column": "表格缺少必需的列",
    "import_rejected": "表格中有错误，未导入任何数据，请按提示修改后重新导入",
    "household_not_found": "农户不存在",
    "not_paired": "您没有与该户结对",
    "visit_in_future": "走访时间不能晚于现在",
    "visit_too_old": "走访时间超出可补登记的期限",
    "note_too_long": "走访情况不能超过 500 字",
    "bad_location": "位置信息无效",
    "visit_not_found": "走访记录不存在",
    "photo_not_found": "该走访没有照片",
    # operations
    "not_sqlite": "备份与恢复仅适用于 SQLite 数据库；PostgreSQL 请使用 pg_dump",
    "no_database": "数据库文件不存在",
    "database_exists": "数据库已存在：请先停止 watchd 并使用 --force",
    "bad_backup": "不是有效的 watchd 备份文件",
    # vendor terminals (ZKTeco, Hikvision)
    "device_unreachable": "终端无法连接或没有应答，请检查网络和终端地址",
    "device_auth_failed": "终端拒绝了用户名、密码或通讯密码",
    "probe_unsupported": "该终端主动连接平台（ADMS），无需也无法探测",
    "address_not_allowed": "终端的网络地址不在允许范围内",
    "mapping_saved": "已保存，该终端用户已存储的打卡记录已重新计入",
    "mapping_not_found": "没有这条终端用户对应关系",
    "bad_device_user": "终端用户编号无效（1 至 64 个字符）",
    "punch_not_found": "打卡记录不存在",
    "not_quarantined": "该打卡记录未被隔离，无需放行",
    "bad_state": "打卡状态无效",
    "bad_time": "终端时间无效",
    "punch_bad_time": "终端报告的日期不存在（时钟故障）",
    "punch_clock_reset": "终端时钟被重置（如停电后回到 2000 年），时间不可信，待核查",
    "punch_future": "终端时间超前于平台时间，待核查",
    "punch_too_old": "打卡时间过早（超过允许的最长离线时间），待核查",
    "punch_released": "经核查放行计入",
    "punch_repeat": "与同一人在同一地点的上一次签到重复，已合并",
    "punch_no_person": "没有对应的人员",
    # protected-site cameras
    "camera_event_not_found": "摄像机事件不存在",
    "clip_not_found": "该事件没有录像片段（未录制或已按保留期限删除）",
    # duty rosters, swaps and the duty log
    "duty_room_not_found": "值班室不存在",
    "bad_range": "日期范围无效（最多 400 天）",
    "roster_too_many": "每班最多 6 名值班人员、2 名带班领导",
    "roster_person_twice": "同一人在同一班次中出现两次",
    "roster_double_booked": "该人员同一天已在另一值班室值班",
    "roster_rows_invalid": "值班表中有错误，未导入任何数据，请按提示逐行修改后重新导入",
    "roster_bad_file": "无法读取文件，请上传 CSV 或 Excel（.xlsx）值班表",
    "roster_no_header": "值班表前 10 行中没有找到表头（需要“日期”和“值班人员”或“带班领导”列）",
    "roster_too_many_rows": "值班表行数过多（最多 5000 行）",
    "swap_same_person": "换班双方不能是同一人",
    "swap_same_day": "换回的班次必须在另一天",
    "swap_not_on_duty": "申请人在该日没有这个班次",
    "swap_back_not_on_duty": "对方在换回日期没有这个班次",
    "swap_target_busy": "对方当天已有值班安排",
    "swap_too_late": "换班须在班次开始前按规定提前审批，已超过审批期限",
    "swap_already_decided": "该换班申请已经处理过",
    "swap_not_found": "换班申请不存在",
    "reason_too_long": "事由不能超过 500 字",
    "note_required": "请填写值班日志内容（不超过 2000 字）",
    # notices and the State Council's holiday notice
    "notice_not_found": "维护提醒不存在",
    "holiday_notice_unreadable": "无法识别通知内容，请粘贴国务院办公厅关于部分节假日安排的通知全文",
    "holiday_notice_year": "无法确定年份：请粘贴含标题的通知全文，或填写年份",
    "holiday_notice_bad_date": "通知中的日期有误",
    "holiday_notice_changed": "确认的日期与解析结果不一致，请重新解析后再确认",
}

# The status of anything one person asks for and another decides: leave, make-ups, duty swaps.
REQUEST_STATUS_TEXT = {"pending": "待审批", "approved": "已批准", "rejected": "已驳回", "cancelled": "已撤销"}


def request_status_text(status: str) -> str:
    return REQUEST_STATUS_TEXT.get(status, status)


def zh(code: str) -> str:
    return ZH.get(code, code)
