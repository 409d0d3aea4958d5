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
    "unknown_device": "设备未登记或令牌无效",
    "device_not_found": "设备不存在",
    "not_a_kiosk": "该设备不是签到终端",
    "bad_request": "请求格式错误",
    # operations
    "not_sqlite": "备份与恢复仅适用于 SQLite 数据库；PostgreSQL 请使用 pg_dump",
    "no_database": "数据库文件不存在",
    "database_exists": "数据库已存在：请先停止 watchd 并使用 --force",
    "bad_backup": "不是有效的 watchd 备份文件",
}


def zh(code: str) -> str:
    return ZH.get(code, code)
