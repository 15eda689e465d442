"""Every word a page or a report shows, in one catalogue: Vietnamese first (the users'
language), English second. ``translator(lang)`` gives them in one language."""

from __future__ import annotations

import re
from typing import NamedTuple

from xaso.server.indicators.result import VERDICT_VI
from xaso.server.monitoring.probe_errors import ErrorPart, normalise, read_probe_error

LANGUAGES = ("vi", "en")

_TEXT: dict[str, dict[str, str]] = {
    "title": {"vi": "Giám sát hạ tầng số cấp xã", "en": "Commune digital infrastructure monitor"},
    "communes": {"vi": "Đơn vị hành chính cấp xã", "en": "Communes"},
    "commune": {"vi": "Xã / phường / thị trấn", "en": "Commune"},
    "devices": {"vi": "Thiết bị", "en": "Devices"},
    "device": {"vi": "Thiết bị", "en": "Device"},
    "kind": {"vi": "Loại", "en": "Kind"},
    "status": {"vi": "Trạng thái", "en": "Status"},
    "since": {"vi": "Từ lúc", "en": "Since"},
    "for": {"vi": "đã", "en": "for"},
    "last_seen": {"vi": "Lần cuối nhận tin", "en": "Last seen"},
    "cause": {"vi": "Nguyên nhân", "en": "Cause"},
    # A loudspeaker cluster playing now, and what (RadioStatus.source).
    "playing": {"vi": "Đang phát", "en": "Playing"},
    "playing_emergency": {"vi": "Đang phát khẩn cấp", "en": "Playing an emergency"},
    "playing_relay": {"vi": "Đang tiếp sóng", "en": "Relaying"},
    "place": {"vi": "Vị trí", "en": "Place"},
    "total": {"vi": "Tổng", "en": "Total"},
    "login": {"vi": "Đăng nhập", "en": "Sign in"},
    "login_name": {"vi": "Tên đăng nhập", "en": "Login name"},
    "password": {"vi": "Mật khẩu", "en": "Password"},
    "login_bad": {
        "vi": "Tên đăng nhập hoặc mật khẩu không đúng.",
        "en": "That login name and password do not match.",
    },
    "login_wait": {
        "vi": "Nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
        "en": "Too many wrong attempts. Please try again in {minutes} min.",
    },
    "logout": {"vi": "Đăng xuất", "en": "Sign out"},
    # the menu (server/web/navigation.py)
    "menu": {"vi": "Danh mục", "en": "Menu"},
    "menu.status": {"vi": "Trạng thái", "en": "Status"},
    "menu.indicators": {"vi": "Chỉ tiêu", "en": "Indicators"},
    "signed_in_as": {"vi": "Đang đăng nhập", "en": "Signed in as"},
    "updated_at": {"vi": "Cập nhật lúc", "en": "Updated at"},
    # -- the problems page and the overview --
    "menu.problems": {"vi": "Sự cố", "en": "Problems"},
    # -- the commune and device pages --
    "menu.communes": {"vi": "Xã / phường", "en": "Communes"},
    "communes.intro": {
        "vi": "Các xã, phường bạn được xem, với số thiết bị theo trạng thái.",
        "en": "The communes you may see, with their devices by status.",
    },
    "communes.merged_into": {"vi": "đã sáp nhập vào {name}", "en": "merged into {name}"},
    "commune.kind.xa": {"vi": "Xã", "en": "Commune"},
    "commune.kind.phuong": {"vi": "Phường", "en": "Ward"},
    "commune.kind.thi_tran": {"vi": "Thị trấn", "en": "Township"},
    "commune.no_devices": {
        "vi": "Xã không có thiết bị nào vào hôm nay.",
        "en": "The commune holds no device today.",
    },
    # Where devices are (server/web/commune_layout.py).
    "place.gateways": {"vi": "Bộ điều khiển trung tâm (gateway)", "en": "Gateways"},
    "place.village": {"vi": "Thôn", "en": "Village"},
    "place.key_location": {"vi": "Địa điểm trọng yếu", "en": "Key location"},
    "place.elsewhere": {"vi": "Thiết bị chưa gắn với thôn hay địa điểm", "en": "Not placed"},
    "place.no_device": {"vi": "Chưa có thiết bị", "en": "No device"},
    "place.behind": {"vi": "{count} thiết bị phía sau", "en": "{count} devices behind it"},
    "place.kind.commune_centre": {"vi": "Trụ sở UBND", "en": "Commune centre"},
    "place.kind.market": {"vi": "Chợ", "en": "Market"},
    "place.kind.school": {"vi": "Trường học", "en": "School"},
    "place.kind.boundary": {"vi": "Cửa ngõ, ranh giới", "en": "Boundary"},
    "place.kind.traffic_node": {"vi": "Nút giao thông", "en": "Traffic node"},
    "place.kind.cultural_house": {"vi": "Nhà văn hoá", "en": "Cultural house"},
    "place.kind.health_station": {"vi": "Trạm y tế", "en": "Health station"},
    "place.kind.other": {"vi": "Địa điểm khác", "en": "Other place"},
    # The day bars (server/web/day_bars.py): one cell a day, its figures on hover.
    "bars.days": {"vi": "{days} ngày qua", "en": "Last {days} days"},
    "bars.over": {"vi": "{days} ngày: {percent}", "en": "{days} days: {percent}"},
    "bars.legend": {
        "vi": "Mỗi ô là một ngày (giờ Việt Nam), di chuột vào ô để xem số liệu.",
        "en": "One cell a day (Vietnam time); hover over a cell for its figures.",
    },
    "bars.good": {"vi": "≥ 99,5 %", "en": "≥ 99.5%"},
    "bars.fair": {"vi": "≥ 95 %", "en": "≥ 95%"},
    "bars.poor": {"vi": "≥ 80 %", "en": "≥ 80%"},
    "bars.bad": {"vi": "< 80 %", "en": "< 80%"},
    "bars.none": {"vi": "Không có dữ liệu", "en": "No data"},
    "bars.excl": {"vi": "Bảo trì / miễn trừ", "en": "Maintenance / excused"},
    "bars.part": {"vi": "Có lúc bảo trì / miễn trừ", "en": "Partly maintenance / excused"},
    "bars.planned": {"vi": "Chưa lắp đặt: chưa theo dõi", "en": "Planned: not watched yet"},
    "day.so_far": {"vi": "đến hiện tại", "en": "so far"},
    "day.no_data": {"vi": "không có dữ liệu", "en": "no data"},
    "day.down": {"vi": "mất kết nối", "en": "down"},
    "day.maintenance": {"vi": "bảo trì", "en": "maintenance"},
    "day.excused": {"vi": "miễn trừ", "en": "excused"},
    "excused.count": {
        "vi": "Thời gian miễn trừ (mất điện lưới, thiên tai…)",
        "en": "Excused time (grid power cuts, disasters…)",
    },
    "excused.counted": {"vi": "không tính vào tỷ lệ", "en": "left out of the figures"},
    "excused.not_counted": {"vi": "vẫn tính vào tỷ lệ", "en": "counted in the figures"},
    "excused.switch_on": {"vi": "Loại trừ", "en": "Leave it out"},
    "excused.switch_off": {"vi": "Tính vào", "en": "Count it"},
    # The device page.
    "device.id": {"vi": "Mã thiết bị", "en": "Device id"},
    "device.village": {"vi": "Thôn", "en": "Village"},
    "device.location": {"vi": "Địa điểm", "en": "Location"},
    "device.gateway": {"vi": "Gateway", "en": "Gateway"},
    "device.behind": {"vi": "Thiết bị phía sau", "en": "Devices behind it"},
    "device.installed_on": {"vi": "Ngày lắp đặt", "en": "Installed on"},
    "device.timeline": {"vi": "Diễn biến trạng thái", "en": "Status timeline"},
    "timeline.gathered": {"vi": "gộp nhiều thay đổi ngắn", "en": "many short changes"},
    "device.availability": {"vi": "Tỷ lệ hoạt động", "en": "Availability"},
    "device.outages": {"vi": "Các lần mất kết nối", "en": "Outages"},
    "device.no_outage": {
        "vi": "Không có lần mất kết nối nào trong khoảng thời gian này.",
        "en": "No outage in this period.",
    },
    "device.more_outages": {
        "vi": "Chỉ hiện {shown} lần gần nhất trong {count} lần.",
        "en": "Showing the latest {shown} of {count}.",
    },
    "device.readings": {"vi": "Số liệu đo", "en": "Readings"},
    "device.readings_need_js": {
        "vi": "Biểu đồ cần bật JavaScript.",
        "en": "The charts need JavaScript.",
    },
    "device.readings_failed": {
        "vi": "Không tải được số liệu đo",
        "en": "The readings could not be loaded",
    },
    "device.readings_capped": {
        "vi": "Biểu đồ hiện tối đa 30 ngày gần nhất.",
        "en": "The charts show at most the last 30 days.",
    },
    "device.no_readings": {
        "vi": "Không có số liệu đo trong khoảng thời gian này.",
        "en": "No readings in this period.",
    },
    "device.truncated": {
        "vi": "Quá nhiều số liệu: biểu đồ chỉ dựa trên một phần.",
        "en": "Too many readings: the charts rest on part of them.",
    },
    "device.period": {"vi": "Khoảng thời gian", "en": "Period"},
    "device.period.24h": {"vi": "24 giờ", "en": "24 h"},
    "device.period.7d": {"vi": "7 ngày", "en": "7 days"},
    "device.period.30d": {"vi": "30 ngày", "en": "30 days"},
    "device.period.90d": {"vi": "90 ngày", "en": "90 days"},
    "device.start": {"vi": "Bắt đầu", "en": "Start"},
    "device.end": {"vi": "Kết thúc", "en": "End"},
    "device.duration": {"vi": "Thời lượng", "en": "Duration"},
    "device.ongoing": {"vi": "đang diễn ra", "en": "still going on"},
    "device.of_which_excluded": {
        "vi": "trong đó bảo trì / miễn trừ",
        "en": "of which maintenance / excused",
    },
    "avail.figure": {"vi": "Tỷ lệ", "en": "Availability"},
    "avail.figure_excused": {"vi": "Tỷ lệ, trừ miễn trừ", "en": "Without excused time"},
    "avail.down": {"vi": "Mất kết nối", "en": "Down"},
    "avail.unknown": {"vi": "Không rõ", "en": "Unknown"},
    "avail.maintenance": {"vi": "Bảo trì", "en": "Maintenance"},
    "avail.excused": {"vi": "Miễn trừ", "en": "Excused"},
    "avail.note": {
        "vi": "Tỷ lệ = 1 − thời gian mất kết nối ÷ thời gian đã biết. Thời gian bảo trì tính "
        "là hoạt động; thời gian không rõ (gateway mất kết nối, chưa từng báo) không tính.",
        "en": "Availability = 1 − down time ÷ known time. Maintenance counts as available; "
        "unknown time (gateway down, never heard) is left out.",
    },
    # The charts (server/web/chart_series.py): titles and series.
    "chart.rtt": {"vi": "Thời gian phản hồi (ms)", "en": "Round-trip time (ms)"},
    "chart.shares": {"vi": "Tỷ lệ thời gian (%)", "en": "Share of the time (%)"},
    "chart.temp": {"vi": "Nhiệt độ (°C)", "en": "Temperature (°C)"},
    "chart.load": {"vi": "Tải CPU (1 phút)", "en": "CPU load (1 min)"},
    "chart.resources": {"vi": "Bộ nhớ và ổ đĩa (%)", "en": "Memory and disk (%)"},
    "chart.signal": {"vi": "Tín hiệu di động (dBm)", "en": "Mobile signal (dBm)"},
    "chart.queue": {"vi": "Hàng đợi gửi bù", "en": "Queue waiting to be sent"},
    "chart.volume": {"vi": "Âm lượng (0–100)", "en": "Volume (0–100)"},
    "chart.video": {"vi": "Luồng video", "en": "Video stream"},
    "chart.channels": {"vi": "Kênh đang ghi", "en": "Channels recording"},
    "chart.frame_loss": {"vi": "Mất gói âm thanh (%)", "en": "Audio frame loss (%)"},
    "series.rtt_ms": {"vi": "Trung bình", "en": "Mean"},
    "series.rtt_ms_max": {"vi": "Cao nhất", "en": "Highest"},
    "series.reachable": {"vi": "Phản hồi", "en": "Answering"},
    "series.camera.stream_ok": {"vi": "Có luồng video", "en": "Stream answering"},
    "series.camera.recording": {"vi": "Camera đang ghi", "en": "Camera recording"},
    "series.camera.fps": {"vi": "Khung hình/giây", "en": "Frames/s"},
    "series.camera.bitrate_kbps": {"vi": "Tốc độ bit (kbps)", "en": "Bit rate (kbps)"},
    "series.nvr.recording": {"vi": "Đầu ghi đang ghi", "en": "Recorder recording"},
    "series.nvr.channels_recording": {"vi": "Kênh đang ghi", "en": "Channels recording"},
    "series.nvr.disk_free_pct": {"vi": "Ổ đĩa còn trống", "en": "Disk free"},
    "series.radio.playing": {"vi": "Đang phát", "en": "Playing"},
    "series.radio.volume": {"vi": "Âm lượng", "en": "Volume"},
    "series.radio.frame_loss_pct": {"vi": "Mất gói", "en": "Frame loss"},
    "series.temp_c": {"vi": "Nhiệt độ", "en": "Temperature"},
    "series.load1": {"vi": "Tải", "en": "Load"},
    "series.mem_used_pct": {"vi": "Bộ nhớ đã dùng", "en": "Memory used"},
    "series.disk_free_pct": {"vi": "Ổ đĩa còn trống", "en": "Disk free"},
    "series.rssi_dbm": {"vi": "RSSI", "en": "RSSI"},
    "series.rsrp_dbm": {"vi": "RSRP", "en": "RSRP"},
    "series.queue_depth": {"vi": "Bản ghi chờ gửi", "en": "Records waiting"},
    # -- the gateways, maintenance and excused pages --
    "menu.gateways": {"vi": "Gateway", "en": "Gateways"},
    "menu.maintenance": {"vi": "Bảo trì", "en": "Maintenance"},
    # The gateways page (server/web/pages/gateways.py).
    "gateways.title": {"vi": "Gateway (bộ điều khiển trung tâm)", "en": "Gateways"},
    "gateways.count": {"vi": "{n} gateway", "en": "Gateways: {n}"},
    "gateways.with_problems": {"vi": "{n} gateway có vấn đề", "en": "With problems: {n}"},
    "gateways.unconfigured_count": {
        "vi": "{n} thiết bị chưa được cấu hình trên gateway ({gateways} gateway)",
        "en": "Devices not configured on their gateway: {n} (gateways: {gateways})",
    },
    "gateways.none": {"vi": "Không có gateway nào.", "en": "No gateway."},
    "gateways.gateway": {"vi": "Gateway", "en": "Gateway"},
    "gateways.connection": {"vi": "Kết nối", "en": "Connection"},
    "gateways.agent": {"vi": "Phần mềm", "en": "Agent"},
    "gateways.queue": {"vi": "Hàng đợi gửi", "en": "Send queue"},
    "gateways.clock": {"vi": "Lệch đồng hồ", "en": "Clock offset"},
    "gateways.schedule": {"vi": "Lịch phát", "en": "Broadcast schedule"},
    "gateways.problems": {"vi": "Vấn đề", "en": "Problems"},
    "gateways.last_heartbeat": {"vi": "Heartbeat cuối", "en": "Last heartbeat"},
    "gateways.version": {"vi": "Phiên bản", "en": "Version"},
    "gateways.session": {"vi": "Phiên kết nối", "en": "Session"},
    "gateways.connected_since": {"vi": "từ", "en": "since"},
    "gateways.waiting": {"vi": "{n} bản tin chờ gửi", "en": "{n} records waiting"},
    "gateways.dropped": {"vi": "{n} bản tin bị bỏ", "en": "{n} dropped"},
    "gateways.ntp_unsynced": {"vi": "Chưa đồng bộ NTP", "en": "NTP not synchronised"},
    "gateways.no_schedule": {"vi": "Không phát thanh", "en": "No broadcasts"},
    "gateways.schedule_in_sync": {"vi": "Đúng lịch mới nhất", "en": "Up to date"},
    "gateways.schedule_outdated": {"vi": "Đang giữ lịch cũ", "en": "Holds an old schedule"},
    "gateways.schedule_not_reported": {"vi": "Chưa báo lịch đang giữ", "en": "Holds none yet"},
    "gateways.schedule_none_due": {"vi": "Chưa có lịch", "en": "No schedule due"},
    "gateways.schedule_held": {"vi": "đang giữ", "en": "held"},
    "gateways.schedule_due": {"vi": "cần có", "en": "due"},
    "gateways.content_missing": {
        "vi": "Thiếu {n} tệp âm thanh",
        "en": "{n} audio files missing",
    },
    "gateways.fine": {"vi": "Bình thường", "en": "Fine"},
    "gateways.problem.offline": {"vi": "Mất kết nối", "en": "Offline"},
    "gateways.problem.unknown": {"vi": "Chưa có tin", "en": "Not heard from"},
    "gateways.problem.pending": {"vi": "Lỡ heartbeat", "en": "Missed a heartbeat"},
    "gateways.problem.stopped": {"vi": "Đã dừng", "en": "Stopped"},
    "gateways.problem.unconfigured": {
        "vi": "Thiếu thiết bị trong cấu hình",
        "en": "Devices missing from its configuration",
    },
    "gateways.problem.queue_error": {"vi": "Lỗi hàng đợi", "en": "Queue error"},
    "gateways.problem.queue_dropped": {"vi": "Đã bỏ bản tin", "en": "Records dropped"},
    "gateways.problem.queue_backlog": {"vi": "Đang gửi bù", "en": "Sending a backlog"},
    "gateways.problem.clock": {"vi": "Lệch đồng hồ", "en": "Clock off"},
    "gateways.problem.ntp": {"vi": "Chưa đồng bộ NTP", "en": "NTP not synchronised"},
    "gateways.problem.schedule_outdated": {"vi": "Lịch phát cũ", "en": "Old schedule"},
    "gateways.problem.schedule_not_reported": {
        "vi": "Chưa nhận lịch phát",
        "en": "Schedule not received",
    },
    "gateways.problem.content_missing": {"vi": "Thiếu tệp âm thanh", "en": "Audio missing"},
    "gateways.unconfigured_warning": {
        "vi": "{n} thiết bị chưa được cấu hình trên gateway {gateway}.",
        "en": "Not configured on gateway {gateway}: {n} device(s).",
    },
    "gateways.unconfigured_why": {
        "vi": "Các thiết bị này có trong devices.yaml nhưng gateway chưa từng báo về chúng "
        "kể từ khi kết nối, nên trạng thái của chúng sẽ mãi là “Không rõ”. Hãy thêm "
        "chúng vào cấu hình của agent trên gateway.",
        "en": "They are in devices.yaml but the gateway has not reported them once since "
        "it connected, so their status would stay unknown. Add them to the agent's "
        "configuration on the gateway.",
    },
    "gateways.unconfigured_unknown": {
        "vi": "Chưa đủ heartbeat để kiểm tra cấu hình thiết bị",
        "en": "Too few heartbeats yet to check its device configuration",
    },
    "gateways.legend": {
        "vi": "Lệch đồng hồ quá ±2 giây được đánh dấu. Hàng đợi: bản tin gateway chưa gửi "
        "được về máy chủ, và số bản tin đã bỏ theo giới hạn lưu trữ của hàng đợi từ khi "
        "agent khởi động.",
        "en": "Clock offsets beyond ±2 s are flagged. Queue: records the gateway has not "
        "delivered yet, and those its queue dropped by its retention limits since the agent "
        "started.",
    },
    # The maintenance pages (server/web/pages/maintenance.py, excused.py).
    "mw.title": {"vi": "Khung bảo trì", "en": "Maintenance windows"},
    "mw.intro": {
        "vi": "Trong khung bảo trì đã duyệt, thiết bị ở trạng thái “Bảo trì”: không cảnh báo "
        "và không tính là gián đoạn. Khung do cán bộ xã lập cho thời gian đã qua phải chờ "
        "cán bộ thẩm định duyệt.",
        "en": "During an approved maintenance window its devices are in maintenance: no "
        "alert, and the time does not count as an outage. A commune officer's window over "
        "past time waits for a verifier's approval.",
    },
    "mw.new": {"vi": "Lập khung bảo trì", "en": "Plan a maintenance window"},
    "mw.edit": {"vi": "Sửa khung bảo trì", "en": "Change a maintenance window"},
    "mw.edit_note": {
        "vi": "Lưu thay đổi sẽ tạo khung mới thay cho khung {id}; khung cũ kết thúc ngay lúc "
        "lưu (thời gian đã qua của nó vẫn được tính nếu đã được duyệt).",
        "en": "Saving makes a new window in place of {id}; the old one ends when you save "
        "(its past time still counts if it was approved).",
    },
    "mw.tab_windows": {"vi": "Khung bảo trì", "en": "Maintenance windows"},
    "mw.tab_excused": {"vi": "Gián đoạn khách quan", "en": "Excused periods"},
    "mw.show.all": {"vi": "Tất cả", "en": "All"},
    "mw.show.pending": {"vi": "Chờ duyệt", "en": "Pending"},
    "mw.show.approved": {"vi": "Đã duyệt", "en": "Approved"},
    "mw.show.rejected": {"vi": "Bị từ chối", "en": "Rejected"},
    "mw.show.ended": {"vi": "Đã kết thúc", "en": "Ended"},
    "mw.none": {"vi": "Không có khung bảo trì nào.", "en": "No maintenance window."},
    "mw.state.pending": {"vi": "Chờ duyệt", "en": "Pending"},
    "mw.state.running": {"vi": "Đang bảo trì", "en": "In progress"},
    "mw.state.approved": {"vi": "Đã duyệt", "en": "Approved"},
    "mw.state.rejected": {"vi": "Bị từ chối", "en": "Rejected"},
    "mw.state.finished": {"vi": "Đã kết thúc", "en": "Over"},
    "mw.state.ended_early": {"vi": "Kết thúc sớm", "en": "Ended early"},
    "mw.state.cancelled": {"vi": "Đã huỷ", "en": "Cancelled"},
    "mw.state.deleted": {"vi": "Kết thúc / huỷ", "en": "Ended / cancelled"},
    "mw.target": {"vi": "Đối tượng", "en": "Covers"},
    "mw.target_commune": {"vi": "Cả {name}", "en": "All of {name}"},
    "mw.target_agent": {
        "vi": "{name} và mọi thiết bị phía sau",
        "en": "{name} and every device behind it",
    },
    "mw.target_kind": {"vi": "Mọi {kind} (mọi xã)", "en": "Every {kind} (every commune)"},
    "mw.target_all_communes": {"vi": "Toàn bộ các xã", "en": "Every commune"},
    "mw.rule": {"vi": "Lịch", "en": "Schedule"},
    "mw.rule_raw": {"vi": "Quy tắc RRULE", "en": "RRULE"},
    "mw.next": {"vi": "Các lần tới", "en": "Next"},
    "mw.no_next": {"vi": "Không còn lần nào", "en": "None to come"},
    "mw.running_now": {"vi": "đang diễn ra", "en": "now"},
    "mw.reason": {"vi": "Lý do", "en": "Reason"},
    "mw.author": {"vi": "Người lập", "en": "Planned by"},
    "mw.decision": {"vi": "Quyết định", "en": "Decision"},
    "mw.decided.approved": {"vi": "Duyệt", "en": "Approved"},
    "mw.decided.rejected": {"vi": "Từ chối", "en": "Rejected"},
    "mw.deleted": {"vi": "Kết thúc / huỷ", "en": "Ended / cancelled"},
    "mw.at_by": {"vi": "{at}, {by} ({role})", "en": "{at}, {by} ({role})"},
    "mw.retroactive": {
        "vi": "Phủ cả thời gian trước khi được lập",
        "en": "Covers time before it was planned",
    },
    "mw.revoke": {"vi": "Thu hồi phê duyệt", "en": "Take the approval back"},
    "mw.decide_reason": {"vi": "Lý do quyết định", "en": "Reason for the decision"},
    "mw.approve": {"vi": "Duyệt", "en": "Approve"},
    "mw.reject": {"vi": "Từ chối", "en": "Reject"},
    "mw.end_reason": {"vi": "Lý do kết thúc", "en": "Why end it"},
    "mw.end_early": {"vi": "Kết thúc sớm", "en": "End now"},
    "mw.cancel": {"vi": "Huỷ khung này", "en": "Cancel it"},
    "mw.edit_link": {"vi": "Sửa", "en": "Change"},
    "mw.history": {"vi": "Lịch sử thay đổi", "en": "History"},
    "mw.done.created": {"vi": "Đã lập khung bảo trì.", "en": "The window is planned."},
    "mw.done.created_pending": {
        "vi": "Đã lập khung bảo trì; khung đang chờ cán bộ thẩm định duyệt.",
        "en": "The window is planned; it waits for a verifier's approval.",
    },
    "mw.done.edited": {
        "vi": "Đã lưu: khung mới thay cho khung cũ.",
        "en": "Saved: a new window replaces the old one.",
    },
    "mw.done.approved": {"vi": "Đã duyệt.", "en": "Approved."},
    "mw.done.rejected": {"vi": "Đã từ chối.", "en": "Rejected."},
    "mw.done.ended": {"vi": "Đã kết thúc.", "en": "Ended."},
    "mw.replaced_by": {"vi": "Thay bằng {id}: {reason}", "en": "Replaced by {id}: {reason}"},
    "mw.problems": {"vi": "Chưa lưu được:", "en": "Not saved:"},
    # the window form and its rule builder
    "form.commune": {"vi": "Xã / phường", "en": "Commune"},
    "form.choose_commune": {"vi": "Chọn", "en": "Choose"},
    "form.target": {"vi": "Đối tượng bảo trì", "en": "What it covers"},
    "form.start": {"vi": "Bắt đầu (giờ Việt Nam)", "en": "Starts (Vietnam time)"},
    "form.duration": {"vi": "Kéo dài", "en": "Lasts"},
    "form.hours": {"vi": "giờ", "en": "h"},
    "form.minutes": {"vi": "phút", "en": "min"},
    "form.repeat": {"vi": "Lặp lại", "en": "Repeats"},
    "form.repeat.once": {"vi": "Một lần", "en": "Once"},
    "form.repeat.daily": {"vi": "Hằng ngày", "en": "Daily"},
    "form.repeat.weekly": {"vi": "Hằng tuần", "en": "Weekly"},
    "form.repeat.monthly": {"vi": "Hằng tháng", "en": "Monthly"},
    "form.repeat.advanced": {"vi": "Nâng cao (RRULE)", "en": "Advanced (RRULE)"},
    "form.weekdays": {"vi": "Vào các ngày", "en": "On"},
    "form.weekdays_hint": {
        "vi": "Không chọn ngày nào: lặp vào thứ của ngày bắt đầu.",
        "en": "None chosen: the weekday of the start.",
    },
    "form.monthly_hint": {
        "vi": "Lặp vào ngày của tháng trùng ngày bắt đầu (tháng không có ngày đó thì bỏ qua).",
        "en": "On the start's day of the month (skipped in months without it).",
    },
    "form.until": {"vi": "Đến hết ngày (không bắt buộc)", "en": "Until the end of (optional)"},
    "form.rrule": {"vi": "Quy tắc RRULE (RFC 5545)", "en": "RRULE (RFC 5545)"},
    "form.rrule_hint": {
        "vi": "Ví dụ: FREQ=WEEKLY;BYDAY=SU;COUNT=10 — không ghi DTSTART (là thời điểm "
        "bắt đầu ở trên).",
        "en": "E.g. FREQ=WEEKLY;BYDAY=SU;COUNT=10 — no DTSTART (the start above is it).",
    },
    "form.reason": {"vi": "Lý do", "en": "Reason"},
    "form.preview": {"vi": "Xem trước", "en": "Preview"},
    "form.save": {"vi": "Lưu", "en": "Save"},
    "form.back": {"vi": "Quay lại danh sách", "en": "Back to the list"},
    "form.commune_missing": {"vi": "Hãy chọn xã / phường.", "en": "Choose a commune."},
    "form.target_missing": {"vi": "Hãy chọn đối tượng.", "en": "Choose what it covers."},
    "form.target_elsewhere": {
        "vi": "Đối tượng đã chọn không thuộc xã / phường này: hãy chọn lại.",
        "en": "What you chose is not in this commune: choose again.",
    },
    "form.start_missing": {
        "vi": "Hãy nhập ngày giờ bắt đầu.",
        "en": "Enter when it starts.",
    },
    "form.end_missing": {"vi": "Hãy nhập ngày giờ kết thúc.", "en": "Enter when it ends."},
    "form.duration_invalid": {
        "vi": "Thời lượng phải là số giờ và số phút, lớn hơn 0.",
        "en": "The duration must be whole hours and minutes, above zero.",
    },
    "form.until_invalid": {"vi": "Ngày kết thúc lặp không hợp lệ.", "en": "Not a valid last day."},
    "form.rrule_missing": {
        "vi": "Hãy nhập quy tắc RRULE, hoặc chọn một kiểu lặp khác.",
        "en": "Enter an RRULE, or choose another way to repeat.",
    },
    "form.reason_missing": {"vi": "Hãy ghi lý do.", "en": "Say why."},
    "preview.title": {"vi": "Xem trước các lần bảo trì", "en": "Preview of its occurrences"},
    "preview.next": {
        "vi": "{n} lần gần nhất (giờ Việt Nam):",
        "en": "The next {n} (Vietnam time):",
    },
    "preview.none": {
        "vi": "Quy tắc này không còn lần nào từ bây giờ.",
        "en": "This rule has no occurrence from now on.",
    },
    "preview.waits": {
        "vi": "Khung này bắt đầu trong quá khứ nên sẽ chờ cán bộ thẩm định duyệt trước khi "
        "có hiệu lực.",
        "en": "It starts in the past, so it waits for a verifier's approval before it counts.",
    },
    "preview.incomplete": {
        "vi": "Nhập thời điểm bắt đầu và thời lượng để xem trước.",
        "en": "Enter the start and the duration to see a preview.",
    },
    # a rule in words (maintenance_form.rule_text)
    "rule.once": {"vi": "Một lần", "en": "Once"},
    "rule.hourly": {"vi": "Mỗi giờ", "en": "Every hour"},
    "rule.daily": {"vi": "Hằng ngày", "en": "Every day"},
    "rule.weekly": {"vi": "Hằng tuần", "en": "Every week"},
    "rule.monthly": {"vi": "Hằng tháng", "en": "Every month"},
    "rule.yearly": {"vi": "Hằng năm", "en": "Every year"},
    "rule.every_hourly": {"vi": "Cứ {n} giờ một lần", "en": "Every {n} hours"},
    "rule.every_daily": {"vi": "Cứ {n} ngày một lần", "en": "Every {n} days"},
    "rule.every_weekly": {"vi": "Cứ {n} tuần một lần", "en": "Every {n} weeks"},
    "rule.every_monthly": {"vi": "Cứ {n} tháng một lần", "en": "Every {n} months"},
    "rule.every_yearly": {"vi": "Cứ {n} năm một lần", "en": "Every {n} years"},
    "rule.on_days": {"vi": "vào {days}", "en": "on {days}"},
    "rule.on_month_day": {"vi": "vào ngày {day}", "en": "on day {day}"},
    "rule.on_date": {"vi": "vào ngày {date}", "en": "on {date}"},
    "rule.count": {"vi": "{n} lần", "en": "{n} times"},
    "rule.until": {"vi": "đến hết ngày {date}", "en": "until {date}"},
    "rule.at": {"vi": "lúc {at}, kéo dài {duration}", "en": "at {at}, for {duration}"},
    "rule.at_once": {"vi": "lúc {at}, kéo dài {duration}", "en": "at {at}, for {duration}"},
    "weekday.MO": {"vi": "Thứ Hai", "en": "Monday"},
    "weekday.TU": {"vi": "Thứ Ba", "en": "Tuesday"},
    "weekday.WE": {"vi": "Thứ Tư", "en": "Wednesday"},
    "weekday.TH": {"vi": "Thứ Năm", "en": "Thursday"},
    "weekday.FR": {"vi": "Thứ Sáu", "en": "Friday"},
    "weekday.SA": {"vi": "Thứ Bảy", "en": "Saturday"},
    "weekday.SU": {"vi": "Chủ nhật", "en": "Sunday"},
    "weekday_short.MO": {"vi": "T2", "en": "Mon"},
    "weekday_short.TU": {"vi": "T3", "en": "Tue"},
    "weekday_short.WE": {"vi": "T4", "en": "Wed"},
    "weekday_short.TH": {"vi": "T5", "en": "Thu"},
    "weekday_short.FR": {"vi": "T6", "en": "Fri"},
    "weekday_short.SA": {"vi": "T7", "en": "Sat"},
    "weekday_short.SU": {"vi": "CN", "en": "Sun"},
    # the API's problems in words (maintenance_form.problem_text)
    "problem.reason": {"vi": "Hãy ghi lý do.", "en": "Say why."},
    "problem.reason_long": {
        "vi": "Lý do dài quá 2.000 ký tự.",
        "en": "The reason is longer than 2,000 characters.",
    },
    "problem.duration": {
        "vi": "Thời lượng phải lớn hơn 0 và không quá 10 năm.",
        "en": "The duration must be above zero and at most ten years.",
    },
    "problem.start_year": {
        "vi": "Năm bắt đầu phải từ 1970 đến 2999.",
        "en": "The start's year must be from 1970 to 2999.",
    },
    "problem.start": {"vi": "Thời điểm bắt đầu không hợp lệ", "en": "Not a valid start"},
    "problem.timezone": {"vi": "Múi giờ không hợp lệ", "en": "Not a valid time zone"},
    "problem.rrule_freq": {
        "vi": "Quy tắc lặp phải có FREQ (ví dụ FREQ=DAILY).",
        "en": "The rule needs a FREQ (e.g. FREQ=DAILY).",
    },
    "problem.rrule_too_often": {
        "vi": "Khung bảo trì lặp nhiều nhất mỗi giờ một lần (không dùng MINUTELY, SECONDLY).",
        "en": "A window repeats at most hourly (no MINUTELY, SECONDLY).",
    },
    "problem.rrule_count_until": {
        "vi": "Không dùng cùng lúc COUNT và UNTIL.",
        "en": "COUNT and UNTIL cannot both be given.",
    },
    "problem.rrule_never": {
        "vi": "Quy tắc lặp này không bao giờ xảy ra.",
        "en": "This rule never occurs.",
    },
    "problem.rrule_dtstart": {
        "vi": "Không ghi DTSTART trong quy tắc: thời điểm bắt đầu ở trên là DTSTART.",
        "en": "No DTSTART in the rule: the start above is it.",
    },
    "problem.rrule_single": {
        "vi": "Chỉ ghi một giá trị RRULE, ví dụ FREQ=WEEKLY;BYDAY=SU.",
        "en": "Give one RRULE value only, e.g. FREQ=WEEKLY;BYDAY=SU.",
    },
    "problem.rrule": {"vi": "Quy tắc lặp không hợp lệ", "en": "Not a valid rule"},
    "problem.target": {"vi": "Đối tượng không hợp lệ", "en": "Not a valid target"},
    "problem.no_target": {
        "vi": "Đối tượng này không có trong danh mục thiết bị.",
        "en": "That is not in the inventory.",
    },
    "problem.to_before_from": {
        "vi": "Thời điểm kết thúc phải sau thời điểm bắt đầu.",
        "en": "The end must come after the start.",
    },
    "problem.conflict": {
        "vi": "Trạng thái hiện tại không cho phép thao tác này",
        "en": "Its state does not allow that",
    },
    "problem.forbidden": {
        "vi": "Tài khoản này không được phép thực hiện thao tác này.",
        "en": "This account may not do that.",
    },
    # excused periods
    "ex.title": {
        "vi": "Gián đoạn do nguyên nhân khách quan",
        "en": "Excused periods",
    },
    "ex.intro": {
        "vi": "Thời gian gián đoạn do nguyên nhân xã không ngăn được (mất điện lưới, thiên tai…). "
        "Chỉ được loại khỏi tỉ lệ hoạt động khi đã được cán bộ thẩm định duyệt và báo cáo chọn "
        "loại trừ; cán bộ xã đề xuất, cán bộ thẩm định quyết định.",
        "en": "Time lost to a cause the commune could not prevent (a grid power cut, a "
        "disaster…). Left out of availability once a verifier approved it and a report asks "
        "for excused causes to be left out; commune officers propose, verifiers decide.",
    },
    "ex.new": {"vi": "Đề xuất / ghi nhận gián đoạn", "en": "Propose or record a period"},
    "ex.none": {"vi": "Chưa có gián đoạn nào được ghi nhận.", "en": "No excused period."},
    "ex.from": {"vi": "Từ (giờ Việt Nam)", "en": "From (Vietnam time)"},
    "ex.to": {"vi": "Đến (giờ Việt Nam)", "en": "To (Vietnam time)"},
    "ex.period": {"vi": "Thời gian", "en": "When"},
    "ex.cause": {"vi": "Nguyên nhân", "en": "Cause"},
    "ex.cause.grid_power_cut": {"vi": "Mất điện lưới", "en": "Grid power cut"},
    "ex.cause.natural_disaster": {"vi": "Thiên tai", "en": "Natural disaster"},
    "ex.cause.third_party_network": {
        "vi": "Sự cố mạng của nhà cung cấp",
        "en": "A provider's network failure",
    },
    "ex.cause.other": {"vi": "Khác", "en": "Other"},
    "ex.recorded_by": {"vi": "Người ghi nhận", "en": "Recorded by"},
    "ex.state.deleted": {"vi": "Đã xoá", "en": "Deleted"},
    "ex.withdraw": {"vi": "Rút đề xuất", "en": "Withdraw"},
    "ex.delete": {"vi": "Xoá", "en": "Delete"},
    "ex.delete_reason": {"vi": "Lý do xoá", "en": "Why delete it"},
    "ex.operator_note": {
        "vi": "Đề xuất của cán bộ xã chờ cán bộ thẩm định duyệt.",
        "en": "A commune officer's proposal waits for a verifier's decision.",
    },
    "ex.done.created": {"vi": "Đã ghi nhận.", "en": "Recorded."},
    "ex.done.created_pending": {
        "vi": "Đã gửi đề xuất; chờ cán bộ thẩm định duyệt.",
        "en": "Proposed; it waits for a verifier's decision.",
    },
    "ex.done.approved": {"vi": "Đã duyệt.", "en": "Approved."},
    "ex.done.rejected": {"vi": "Đã từ chối.", "en": "Rejected."},
    "ex.done.ended": {"vi": "Đã xoá.", "en": "Deleted."},
    # -- the alerts page and the help --
    "menu.alerts": {"vi": "Cảnh báo", "en": "Alerts"},
    "menu.help": {"vi": "Hướng dẫn", "en": "Help"},
    # -- the admins' pages: accounts, tokens, audit log --
    "menu.admin": {"vi": "Quản trị", "en": "Administration"},
    "admin.users": {"vi": "Tài khoản", "en": "Accounts"},
    "admin.tokens": {"vi": "Mã truy cập API", "en": "API tokens"},
    "admin.audit": {"vi": "Nhật ký thao tác", "en": "Audit log"},
    "admin.name": {"vi": "Họ và tên", "en": "Name"},
    "admin.role": {"vi": "Vai trò", "en": "Role"},
    "admin.communes": {"vi": "Xã / phường", "en": "Communes"},
    "admin.communes_all": {"vi": "Tất cả", "en": "All"},
    "admin.communes_hint": {
        "vi": "Để trống: mọi xã / phường (cán bộ xã phải được giao ít nhất một). "
        "Giữ Ctrl (hoặc ⌘) để chọn nhiều.",
        "en": "None chosen: every commune (a commune officer needs at least one). "
        "Hold Ctrl (or ⌘) to choose several.",
    },
    "admin.state": {"vi": "Tình trạng", "en": "State"},
    "admin.enabled": {"vi": "Đang hoạt động", "en": "Active"},
    "admin.disabled_since": {"vi": "Đã khóa từ {when}", "en": "Disabled since {when}"},
    "admin.created": {"vi": "Ngày tạo", "en": "Created"},
    "admin.last_login": {"vi": "Đăng nhập gần nhất", "en": "Last sign-in"},
    "admin.never": {"vi": "Chưa lần nào", "en": "Never"},
    "admin.create_user": {"vi": "Tạo tài khoản", "en": "Create an account"},
    "admin.initial_password": {
        "vi": "Mật khẩu ban đầu (ít nhất 10 ký tự)",
        "en": "First password (at least 10 characters)",
    },
    "admin.create": {"vi": "Tạo", "en": "Create"},
    "admin.edit": {"vi": "Sửa", "en": "Edit"},
    "admin.save": {"vi": "Lưu", "en": "Save"},
    "admin.account": {"vi": "Tài khoản {login}", "en": "Account {login}"},
    "admin.change": {"vi": "Họ tên, vai trò, xã / phường", "en": "Name, role, communes"},
    "admin.reset_password": {"vi": "Đặt lại mật khẩu", "en": "Reset the password"},
    "admin.new_password": {
        "vi": "Mật khẩu mới (ít nhất 10 ký tự)",
        "en": "New password (at least 10 characters)",
    },
    "admin.reset_hint": {
        "vi": "Người dùng bị đăng xuất khỏi mọi phiên đang mở.",
        "en": "They are signed out of every open session.",
    },
    "admin.disable": {"vi": "Khóa tài khoản", "en": "Disable the account"},
    "admin.disable_hint": {
        "vi": "Có hiệu lực ngay: người dùng bị đăng xuất khỏi mọi phiên và không đăng nhập được "
        "nữa. Tài khoản không bị xóa: những gì họ đã làm vẫn mang tên họ.",
        "en": "At once: they are signed out everywhere and cannot sign in. The account is not "
        "deleted: what they did stays in their name.",
    },
    "admin.enable": {"vi": "Mở khóa tài khoản", "en": "Enable the account"},
    "admin.self_note": {
        "vi": "Đây là tài khoản của bạn: bạn không thể tự khóa.",
        "en": "This is your own account: you cannot disable it.",
    },
    "admin.back_users": {"vi": "← Danh sách tài khoản", "en": "← All accounts"},
    "admin.back_tokens": {"vi": "← Danh sách mã truy cập", "en": "← All API tokens"},
    "admin.done.created": {"vi": "Đã tạo tài khoản.", "en": "The account is created."},
    "admin.done.updated": {"vi": "Đã lưu thay đổi.", "en": "The changes are saved."},
    "admin.done.password": {
        "vi": "Đã đặt mật khẩu mới; người dùng đã bị đăng xuất khỏi mọi phiên.",
        "en": "The new password is set; they are signed out everywhere.",
    },
    "admin.done.disabled": {
        "vi": "Đã khóa tài khoản; mọi phiên của người dùng đã kết thúc.",
        "en": "The account is disabled; every session of it has ended.",
    },
    "admin.done.enabled": {"vi": "Đã mở khóa tài khoản.", "en": "The account is enabled."},
    "admin.done.revoked": {
        "vi": "Đã thu hồi mã: mọi yêu cầu dùng mã này bị từ chối.",
        "en": "The token is revoked: every request with it is refused.",
    },
    "admin.error.login_format": {
        "vi": "Tên đăng nhập gồm 2 đến 64 ký tự: chữ cái không dấu, chữ số, dấu chấm, gạch dưới "
        "hoặc gạch ngang, bắt đầu bằng chữ cái hoặc chữ số.",
        "en": "A login name is 2 to 64 letters without accents, digits, '.', '_' or '-', "
        "starting with a letter or a digit.",
    },
    "admin.error.password_short": {
        "vi": "Mật khẩu phải có ít nhất 10 ký tự.",
        "en": "A password has at least 10 characters.",
    },
    "admin.error.role": {"vi": "Vai trò không hợp lệ.", "en": "Not a role."},
    "admin.error.operator_communes": {
        "vi": "Cán bộ xã phải được giao ít nhất một xã / phường.",
        "en": "A commune officer needs at least one commune.",
    },
    "admin.error.login_taken": {
        "vi": "Tên đăng nhập này đã có người dùng.",
        "en": "This login name is taken.",
    },
    "admin.error.no_account": {"vi": "Không có tài khoản này.", "en": "No such account."},
    "admin.error.commune": {
        "vi": "Có xã / phường không có trong danh mục.",
        "en": "A commune is not in the inventory.",
    },
    "admin.error.self_disable": {
        "vi": "Bạn không thể tự khóa tài khoản của mình.",
        "en": "You cannot disable your own account.",
    },
    "admin.error.last_admin": {
        "vi": "Đây là quản trị viên cuối cùng đang hoạt động: không thể khóa hay đổi vai trò.",
        "en": "This is the last active administrator: it can be neither disabled nor demoted.",
    },
    "admin.tokens_hint": {
        "vi": "Mã truy cập dành cho gateway và các chương trình gọi API; người dùng đăng nhập "
        "bằng tài khoản.",
        "en": "API tokens are for gateways and programs; people sign in with an account.",
    },
    "admin.token_name": {"vi": "Tên (ai dùng mã này)", "en": "Name (who uses it)"},
    "admin.create_token": {"vi": "Tạo mã truy cập", "en": "Create a token"},
    "admin.token_created": {"vi": "Mã truy cập mới", "en": "New API token"},
    "admin.token_once": {
        "vi": "Sao chép mã này ngay và cất giữ an toàn: mã chỉ hiện một lần này, máy chủ chỉ "
        "lưu mã băm của nó.",
        "en": "Copy this token now and keep it safe: it is shown this once; the server keeps "
        "only its hash.",
    },
    "admin.copy": {"vi": "Sao chép", "en": "Copy"},
    "admin.copied": {"vi": "Đã sao chép", "en": "Copied"},
    "admin.last_used": {"vi": "Dùng lần cuối", "en": "Last used"},
    "admin.revoked_at": {"vi": "Đã thu hồi từ {when}", "en": "Revoked since {when}"},
    "admin.revoke": {"vi": "Thu hồi", "en": "Revoke"},
    "admin.audit.kept": {
        "vi": "Mọi thay đổi và mọi lần đăng nhập đều được ghi lại: ai, lúc nào, làm gì, từ địa "
        "chỉ nào. Nhật ký chỉ được ghi thêm, không sửa hay xóa được, và được lưu vĩnh viễn.",
        "en": "Every change and every sign-in is recorded: who, when, what, from where. The "
        "log is only ever added to, never changed or deleted, and kept forever.",
    },
    "admin.audit.when": {"vi": "Thời điểm", "en": "When"},
    "admin.audit.who": {"vi": "Người thực hiện", "en": "Who"},
    "admin.audit.who_hint": {"vi": "tên đăng nhập hoặc họ tên", "en": "login or name"},
    "admin.audit.action": {"vi": "Thao tác", "en": "Action"},
    "admin.audit.action_hint": {
        "vi": "đầu tên thao tác, vd. account, login, schedules",
        "en": "start of its name, e.g. account, login, schedules",
    },
    "admin.audit.detail": {"vi": "Chi tiết", "en": "Detail"},
    "admin.audit.address": {"vi": "Từ địa chỉ", "en": "From"},
    "admin.audit.status": {"vi": "Mã trả lời", "en": "Answer"},
    "admin.audit.security": {"vi": "Sự kiện an ninh", "en": "Security event"},
    "admin.audit.security_only": {"vi": "Chỉ sự kiện an ninh", "en": "Security events only"},
    "admin.audit.from_day": {"vi": "Từ ngày", "en": "From day"},
    "admin.audit.to_day": {"vi": "Đến ngày", "en": "To day"},
    "admin.audit.filter": {"vi": "Lọc", "en": "Filter"},
    "admin.audit.older": {"vi": "Cũ hơn →", "en": "Older →"},
    "admin.audit.newest": {"vi": "← Mới nhất", "en": "← Newest"},
    "admin.audit.none": {"vi": "Không có mục nào.", "en": "Nothing found."},
    "admin.audit.token": {"vi": "mã API", "en": "API token"},
    "admin.audit.nobody": {"vi": "(chưa đăng nhập)", "en": "(not signed in)"},
    "admin.audit.bad_day": {
        "vi": "Ngày không hợp lệ: chọn ngày trong lịch.",
        "en": "Not a day: pick one from the calendar.",
    },
    # the names in an audit entry's detail (server/web/administration.py, login.py)
    "admin.field.login": {"vi": "Tên đăng nhập", "en": "Login"},
    "admin.field.name": {"vi": "Tên", "en": "Name"},
    "admin.field.role": {"vi": "Vai trò", "en": "Role"},
    "admin.field.communes": {"vi": "Xã / phường", "en": "Communes"},
    "admin.field.token_id": {"vi": "Số hiệu mã", "en": "Token id"},
    "admin.field.id": {"vi": "Số hiệu", "en": "Id"},
    "admin.field.unchanged": {
        "vi": "Không thay đổi: đã như vậy từ trước",
        "en": "Nothing changed: it already was so",
    },
    # what the audit log names an action (server/web/auditing.py); others show as recorded
    "admin.action.login": {"vi": "Đăng nhập", "en": "Signed in"},
    "admin.action.login.failed": {"vi": "Đăng nhập sai", "en": "Failed sign-in"},
    "admin.action.login.refused": {
        "vi": "Đăng nhập bị chặn (sai quá nhiều lần)",
        "en": "Sign-in refused (too many failures)",
    },
    "admin.action.logout": {"vi": "Đăng xuất", "en": "Signed out"},
    "admin.action.account.create": {"vi": "Tạo tài khoản", "en": "Account created"},
    "admin.action.account.update": {"vi": "Sửa tài khoản", "en": "Account changed"},
    "admin.action.account.password": {"vi": "Đặt lại mật khẩu", "en": "Password reset"},
    "admin.action.account.disable": {"vi": "Khóa tài khoản", "en": "Account disabled"},
    "admin.action.account.enable": {"vi": "Mở khóa tài khoản", "en": "Account enabled"},
    "admin.action.token.create": {"vi": "Tạo mã truy cập API", "en": "API token created"},
    "admin.action.token.revoke": {"vi": "Thu hồi mã truy cập API", "en": "API token revoked"},
    "broker_down": {
        "vi": "Máy chủ đang mất kết nối với MQTT broker: trạng thái có thể đã cũ.",
        "en": "The server has lost the MQTT broker: statuses may be stale.",
    },
    "alerts_firing": {"vi": "Cảnh báo đang hoạt động", "en": "Alerts firing"},
    "alert": {"vi": "Cảnh báo", "en": "Alert"},
    "times_in": {"vi": "Giờ Việt Nam (UTC+7)", "en": "Times in Asia/Ho_Chi_Minh (UTC+7)"},
    # statuses
    "online": {"vi": "Hoạt động", "en": "Online"},
    "offline": {"vi": "Mất kết nối", "en": "Offline"},
    "stopped": {"vi": "Đã dừng", "en": "Stopped"},
    "unknown": {"vi": "Không rõ", "en": "Unknown"},
    "pending": {"vi": "Chờ xác nhận", "en": "Pending"},
    "maintenance": {"vi": "Bảo trì", "en": "Maintenance"},
    "planned": {"vi": "Chưa lắp đặt", "en": "Planned"},
    # device kinds
    "gateway": {"vi": "Bộ điều khiển trung tâm", "en": "Gateway"},
    "radio_cluster": {"vi": "Cụm loa truyền thanh", "en": "Radio cluster"},
    "camera": {"vi": "Camera an ninh", "en": "Camera"},
    "nvr": {"vi": "Đầu ghi hình", "en": "Video recorder"},
    "vc_endpoint": {"vi": "Điểm cầu truyền hình", "en": "Video-conference point"},
    # causes of a status
    "cause.startup": {
        "vi": "Chưa có tin từ khi máy chủ khởi động",
        "en": "Not heard from since the server started",
    },
    "cause.planned": {"vi": "Theo kế hoạch, chưa lắp đặt", "en": "Planned, not installed"},
    "cause.birth": {"vi": "Gateway kết nối", "en": "Gateway connected"},
    "cause.heartbeat": {"vi": "Nhận được heartbeat", "en": "Heartbeat received"},
    "cause.will": {"vi": "Mất kết nối đột ngột (MQTT will)", "en": "Connection lost (MQTT will)"},
    "cause.timeout": {"vi": "Quá thời gian không nhận heartbeat", "en": "No heartbeat in time"},
    "cause.stopped": {"vi": "Agent dừng có chủ đích", "en": "Agent stopped cleanly"},
    "cause.probe_ok": {"vi": "Phản hồi bình thường", "en": "Answering"},
    "cause.probe_failed": {"vi": "Không phản hồi", "en": "Not answering"},
    "cause.gateway_offline": {"vi": "Gateway mất kết nối", "en": "Its gateway is offline"},
    "cause.gateway_stopped": {"vi": "Gateway đã dừng", "en": "Its gateway is stopped"},
    "cause.missed_heartbeat": {"vi": "Lỡ một nhịp heartbeat", "en": "Missed a heartbeat"},
    "cause.recovered": {"vi": "Đã khôi phục", "en": "Recovered"},
    "cause.maintenance": {"vi": "Trong thời gian bảo trì", "en": "In a maintenance window"},
    "cause.maintenance_ended": {"vi": "Hết thời gian bảo trì", "en": "Maintenance ended"},
    "cause.flapping_started": {"vi": "Chập chờn", "en": "Flapping"},
    "cause.flapping_ended": {"vi": "Hết chập chờn", "en": "No longer flapping"},
    "cause.no_reading": {
        "vi": "Gateway không còn báo cáo thiết bị này",
        "en": "No longer reported by its gateway",
    },
    "cause.no_data": {"vi": "Chưa có dữ liệu", "en": "No data"},
    # A transition learnt from what a gateway queued while cut off (monitoring/backfill.py).
    "cause.backfill": {"vi": "theo dữ liệu gateway gửi bù", "en": "from the gateway's backlog"},
    "agent_said": {"vi": "Nguyên văn gateway báo", "en": "As the gateway reported it"},
    # Why a probe failed, by kind (server/monitoring/probe_errors.py): the agents' own
    # English text stays on the page beside these, for an administrator.
    "probe.timeout": {"vi": "quá thời gian chờ", "en": "timed out"},
    "probe.refused": {
        "vi": "bị từ chối kết nối (dịch vụ không chạy hoặc cổng bị đóng)",
        "en": "connection refused (service not running or port closed)",
    },
    "probe.reset": {"vi": "kết nối bị ngắt giữa chừng", "en": "connection cut off midway"},
    "probe.closed": {"vi": "thiết bị tự đóng kết nối", "en": "the device closed the connection"},
    "probe.no_route": {
        "vi": "không có đường mạng tới thiết bị",
        "en": "no network route to the device",
    },
    "probe.name_resolution": {
        "vi": "không tìm được địa chỉ của tên máy (DNS)",
        "en": "host name not found (DNS)",
    },
    "probe.tls": {"vi": "lỗi kết nối bảo mật (TLS)", "en": "secure connection (TLS) failed"},
    "probe.no_reply": {"vi": "không có trả lời", "en": "no reply"},
    "probe.not_permitted": {
        "vi": "gateway không được phép thực hiện phép kiểm tra này",
        "en": "the gateway is not allowed to run this check",
    },
    "probe.no_stream": {
        "vi": "camera không trả về mô tả luồng video",
        "en": "the camera describes no video stream",
    },
    "probe.bad_answer": {
        "vi": "câu trả lời không đọc được (sai định dạng hoặc quá lớn)",
        "en": "unreadable answer (wrong format or too large)",
    },
    "probe.missing_data": {
        "vi": "câu trả lời thiếu hoặc sai dữ liệu cần đọc",
        "en": "the answer lacks or garbles the data expected",
    },
    "probe.fault": {"vi": "thiết bị từ chối yêu cầu", "en": "the device refused the request"},
    "probe.command_missing": {
        "vi": "không chạy được chương trình (không tìm thấy hoặc không có quyền)",
        "en": "the program cannot be run (not found or not permitted)",
    },
    "probe.command_failed": {
        "vi": "chương trình kiểm tra báo lỗi",
        "en": "the check program failed",
    },
    "probe.unauthorized": {
        "vi": "sai tên đăng nhập hoặc mật khẩu",
        "en": "wrong user name or password",
    },
    "probe.no_credentials": {
        "vi": "thiết bị yêu cầu mật khẩu nhưng chưa được cấu hình",
        "en": "a password is required but none is configured",
    },
    "probe.forbidden": {"vi": "không được phép truy cập", "en": "access forbidden"},
    "probe.not_found": {
        "vi": "không tìm thấy đường dẫn đã cấu hình",
        "en": "the configured path was not found",
    },
    "probe.unavailable": {
        "vi": "dịch vụ trên thiết bị tạm thời không sẵn sàng",
        "en": "the device's service is temporarily unavailable",
    },
    "probe.server_error": {
        "vi": "thiết bị báo lỗi nội bộ (mã {code})",
        "en": "the device reported an internal error (code {code})",
    },
    "probe.status": {
        "vi": "thiết bị trả lời mã lỗi {code}",
        "en": "the device answered with error code {code}",
    },
    # The probe a failure came from.
    "via.icmp": {"vi": "ping", "en": "ping"},
    "via.tcp": {"vi": "cổng {port}", "en": "port {port}"},
    "via.onvif": {"vi": "ONVIF", "en": "ONVIF"},
    "via.command": {"vi": "chương trình kiểm tra", "en": "check program"},
    "via.rtsp": {"vi": "luồng video (RTSP)", "en": "video stream (RTSP)"},
    "via.http": {"vi": "giao diện web (HTTP)", "en": "web interface (HTTP)"},
    # roles (server/web/tokens.py Role)
    "role.admin": {"vi": "Quản trị viên", "en": "Administrator"},
    "role.operator": {"vi": "Cán bộ xã", "en": "Commune officer"},
    "role.verifier": {"vi": "Cán bộ thẩm định", "en": "Verifier"},
    "role.viewer": {"vi": "Người xem", "en": "Viewer"},
    "role.agent": {"vi": "Gateway (bộ điều khiển trung tâm)", "en": "Gateway"},
    # periods as people name them (period_name)
    "period.year": {"vi": "Năm {year}", "en": "{year}"},
    "period.quarter": {"vi": "Quý {quarter}/{year}", "en": "Q{quarter} {year}"},
    "period.month": {"vi": "Tháng {month}/{year}", "en": "{month_name} {year}"},
    "period.day": {"vi": "Ngày {day:02d}/{month:02d}/{year}", "en": "{day} {month_name} {year}"},
    # the pages' error pages (server/web/error_pages.py), by HTTP status
    "error.400": {"vi": "Yêu cầu không hợp lệ", "en": "Bad request"},
    "error.400.text": {
        "vi": "Địa chỉ hoặc dữ liệu gửi lên có chỗ chưa đúng.",
        "en": "Something in the address or in what was sent is not right.",
    },
    "error.401": {"vi": "Cần đăng nhập", "en": "Sign-in required"},
    "error.401.text": {"vi": "Vui lòng đăng nhập lại.", "en": "Please sign in again."},
    "error.403": {"vi": "Không có quyền", "en": "Not allowed"},
    "error.403.text": {
        "vi": "Tài khoản của bạn không được phép xem hoặc thực hiện việc này.",
        "en": "Your account may not see or do this.",
    },
    "error.404": {"vi": "Không tìm thấy trang", "en": "Page not found"},
    "error.404.text": {
        "vi": "Không có trang nào ở địa chỉ này, hoặc nội dung nằm ngoài phạm vi bạn được xem.",
        "en": "There is no page at this address, or what it shows is outside what you may see.",
    },
    "error.405": {"vi": "Thao tác không được hỗ trợ", "en": "Method not allowed"},
    "error.405.text": {
        "vi": "Địa chỉ này không nhận kiểu yêu cầu đó.",
        "en": "This address does not take that kind of request.",
    },
    "error.409": {"vi": "Dữ liệu đã thay đổi", "en": "Conflict"},
    "error.409.text": {
        "vi": "Dữ liệu đã thay đổi trong lúc bạn thao tác; hãy tải lại trang rồi thử lại.",
        "en": "The data changed meanwhile; reload the page and try again.",
    },
    "error.413": {"vi": "Dữ liệu gửi lên quá lớn", "en": "Too large"},
    "error.413.text": {
        "vi": "Tệp hoặc dữ liệu gửi lên vượt quá giới hạn cho phép.",
        "en": "The file or data sent is larger than allowed.",
    },
    "error.500": {"vi": "Lỗi máy chủ", "en": "Server error"},
    "error.500.text": {
        "vi": "Máy chủ gặp lỗi khi xử lý yêu cầu. Lỗi đã được ghi lại; hãy thử lại sau "
        "hoặc báo cho quản trị viên.",
        "en": "The server failed to handle the request. The error has been logged; try "
        "again later or tell an administrator.",
    },
    "error.503": {"vi": "Tạm thời không phục vụ được", "en": "Temporarily unavailable"},
    "error.503.text": {
        "vi": "Máy chủ tạm thời chưa đọc được dữ liệu (kho dữ liệu đang khởi động lại "
        "hoặc quá tải).",
        "en": "The server cannot read its data just now (the store is restarting or overloaded).",
    },
    "error.other": {"vi": "Có lỗi xảy ra", "en": "Something went wrong"},
    "error.other.text": {
        "vi": "Không thực hiện được yêu cầu.",
        "en": "The request could not be done.",
    },
    "error.retry": {
        "vi": "Hãy thử lại sau khoảng {seconds} giây.",
        "en": "Try again in about {seconds} seconds.",
    },
    "error.code": {"vi": "Mã lỗi HTTP", "en": "HTTP status"},
    "error.detail": {"vi": "Chi tiết kỹ thuật (tiếng Anh)", "en": "Technical detail"},
    "error.back": {"vi": "Về trang tổng quan", "en": "Back to the overview"},
    # -- the indicator reports (HTML, PDF, CSV) and what changed since a sign-off -----
    "report.title": {
        "vi": "Báo cáo chỉ tiêu hạ tầng số",
        "en": "Digital infrastructure indicators",
    },
    "parent": {"vi": "Đơn vị cấp trên", "en": "Parent area"},
    "period": {"vi": "Kỳ báo cáo", "en": "Period"},
    "profile": {"vi": "Bộ chỉ tiêu", "en": "Profile"},
    "computed": {"vi": "Thời điểm tính", "en": "Computed at"},
    "excused": {"vi": "Loại trừ thời gian được miễn trừ", "en": "Excused periods left out"},
    "excused.yes": {
        "vi": "Có: thời gian được miễn trừ (mất điện lưới, thiên tai…) không tính vào "
        "tỷ lệ hoạt động",
        "en": "Yes: excused periods (grid power cuts, disasters…) are left out of availability",
    },
    "excused.no": {"vi": "Không", "en": "No"},
    "sha256": {"vi": "Mã băm minh chứng (SHA-256)", "en": "Evidence hash (SHA-256)"},
    "indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "value": {"vi": "Giá trị", "en": "Value"},
    "ratio": {"vi": "Tử số / Mẫu số", "en": "Numerator / denominator"},
    "threshold": {"vi": "Ngưỡng", "en": "Threshold"},
    "verdict": {"vi": "Kết quả", "en": "Verdict"},
    "method": {"vi": "Phương pháp", "en": "Method"},
    "source": {"vi": "Nguồn dữ liệu", "en": "Source"},
    "reason": {"vi": "Ghi chú", "en": "Note"},
    "evidence": {"vi": "Minh chứng", "en": "Evidence"},
    "documents": {"vi": "Tài liệu minh chứng", "en": "Evidence documents"},
    "summary": {"vi": "Tổng hợp", "en": "Summary"},
    "id": {"vi": "Mã", "en": "Id"},
    "label": {"vi": "Tên", "en": "Name"},
    "counted": {"vi": "Được tính", "en": "Counted"},
    "note": {"vi": "Ghi chú", "en": "Note"},
    "time": {"vi": "Thời gian", "en": "Time"},
    "yes": {"vi": "Có", "en": "Yes"},
    "no": {"vi": "Không", "en": "No"},
    "signoff": {"vi": "Phê duyệt", "en": "Sign-off"},
    "verifier": {"vi": "Người phê duyệt", "en": "Verifier"},
    "signed_at": {"vi": "Thời điểm phê duyệt", "en": "Signed at"},
    "signed_hash": {"vi": "Mã băm đã phê duyệt", "en": "Hash approved"},
    "matches": {"vi": "Khớp dữ liệu hiện tại", "en": "Matches the data now"},
    "signoff.none": {"vi": "Chưa phê duyệt", "en": "Not signed off"},
    "signoff.matches": {"vi": "Đã phê duyệt", "en": "Signed off"},
    "signoff.mismatch": {
        "vi": "Dữ liệu đã thay đổi sau khi phê duyệt: mã băm không khớp",
        "en": "The data changed after sign-off: the hash no longer matches",
    },
    "signoff.snapshot": {"vi": "Nội dung đã phê duyệt", "en": "What was approved"},
    "signoff.hash_only": {
        "vi": "Chỉ có mã băm (phê duyệt trước khi lưu nội dung)",
        "en": "Hash only (signed before snapshots were kept)",
    },
    # What changed since the latest sign-off (server.indicators.changes).
    "changes": {
        "vi": "Thay đổi sau lần phê duyệt gần nhất",
        "en": "What changed since the latest sign-off",
    },
    "changes.against": {"vi": "So với phê duyệt của", "en": "Against the sign-off by"},
    "changes.what": {"vi": "Nội dung", "en": "What"},
    "changes.signed": {"vi": "Khi phê duyệt", "en": "When signed"},
    "changes.current": {"vi": "Hiện nay", "en": "Now"},
    "changes.none_found": {
        "vi": "Không tìm thấy khác biệt nào ngoài mã băm.",
        "en": "No difference found beyond the hash.",
    },
    "changes.unknown": {
        "vi": "Phê duyệt trước khi hệ thống lưu nội dung được phê duyệt: chỉ so được mã băm "
        "(khớp / không khớp), không liệt kê được thay đổi.",
        "en": "Signed before snapshots were kept: only the hash can be compared (match or "
        "mismatch); what changed cannot be listed.",
    },
    "changes.whole_report": {"vi": "Toàn báo cáo", "en": "Whole report"},
    "changes.indicator_added": {
        "vi": "Chỉ tiêu mới trong báo cáo",
        "en": "Indicator new in the report",
    },
    "changes.indicator_removed": {
        "vi": "Chỉ tiêu không còn trong báo cáo",
        "en": "Indicator no longer in the report",
    },
    "changes.indicators_reordered": {
        "vi": "Thứ tự các chỉ tiêu đã đổi",
        "en": "The indicators are in another order",
    },
    "changes.evidence_reordered": {
        "vi": "Thứ tự minh chứng đã đổi",
        "en": "The evidence is in another order",
    },
    "change.added": {"vi": "Thêm minh chứng", "en": "Evidence added"},
    "change.removed": {"vi": "Bỏ minh chứng", "en": "Evidence removed"},
    "change.changed": {"vi": "Minh chứng thay đổi", "en": "Evidence changed"},
    "change.replaced": {"vi": "Minh chứng thay thế", "en": "Evidence replaced"},
    # The fields a change names: of an indicator, of the report, of an evidence item.
    "field.exclusion": {
        "vi": "Bảo trì hoặc miễn trừ",
        "en": "Maintenance window or excused period",
    },
    "field.value": {"vi": "Giá trị", "en": "Value"},
    "field.numerator": {"vi": "Tử số", "en": "Numerator"},
    "field.denominator": {"vi": "Mẫu số", "en": "Denominator"},
    "field.threshold": {"vi": "Ngưỡng", "en": "Threshold"},
    "field.comparison": {"vi": "Cách so với ngưỡng", "en": "Comparison"},
    "field.unit": {"vi": "Đơn vị tính", "en": "Unit"},
    "field.verdict": {"vi": "Kết quả", "en": "Verdict"},
    "field.reason": {"vi": "Ghi chú", "en": "Note"},
    "field.method": {"vi": "Phương pháp", "en": "Method"},
    "field.source": {"vi": "Nguồn dữ liệu", "en": "Source"},
    "field.name": {"vi": "Tên chỉ tiêu", "en": "Name"},
    "field.name_en": {"vi": "Tên chỉ tiêu (tiếng Anh)", "en": "Name in English"},
    "field.method_en": {"vi": "Phương pháp (tiếng Anh)", "en": "Method in English"},
    "field.reason_en": {"vi": "Ghi chú (tiếng Anh)", "en": "Note in English"},
    "field.commune": {"vi": "Mã xã", "en": "Commune code"},
    "field.commune_name": {"vi": "Tên xã", "en": "Commune name"},
    "field.parent": {"vi": "Đơn vị cấp trên", "en": "Parent area"},
    "field.profile": {"vi": "Bộ chỉ tiêu", "en": "Profile"},
    "field.from_ms": {"vi": "Từ", "en": "From"},
    "field.to_ms": {"vi": "Đến", "en": "To"},
    "field.requested_from_ms": {"vi": "Kỳ báo cáo từ", "en": "Period asked from"},
    "field.requested_to_ms": {"vi": "Kỳ báo cáo đến", "en": "Period asked to"},
    "field.merged_into": {"vi": "Sáp nhập vào", "en": "Merged into"},
    "field.predecessors": {"vi": "Các xã sáp nhập vào", "en": "Communes merged into it"},
    "field.excused_excluded": {
        "vi": "Loại trừ thời gian miễn trừ",
        "en": "Excused periods left out",
    },
    "field.kind": {"vi": "Loại", "en": "Kind"},
    "field.id": {"vi": "Mã", "en": "Id"},
    "field.label": {"vi": "Tên", "en": "Name"},
    "field.counted": {"vi": "Được tính", "en": "Counted"},
    "field.note": {"vi": "Ghi chú", "en": "Note"},
    "field.sha256": {"vi": "SHA-256", "en": "SHA-256"},
    "approved": {
        "vi": "Nội dung đã phê duyệt: số liệu và minh chứng đúng như lúc phê duyệt, "
        "không phải dữ liệu hiện nay.",
        "en": "What was approved: the figures and evidence as they were when signed, "
        "not the data now.",
    },
    "approved.current": {
        "vi": "Báo cáo với dữ liệu hiện nay",
        "en": "The report with the data now",
    },
    "overview": {"vi": "Tổng hợp chỉ tiêu theo xã", "en": "Indicators by commune"},
    "area": {"vi": "Địa bàn", "en": "Area"},
    "all_areas": {"vi": "Toàn bộ địa bàn được giao", "en": "Every commune in scope"},
    "trend": {"vi": "Xu hướng các kỳ trước", "en": "Trend over earlier periods"},
    "report": {"vi": "Báo cáo", "en": "Report"},
    "no_communes": {"vi": "Không có xã nào trong kỳ này.", "en": "No commune in this period."},
    "legend": {"vi": "Chú giải", "en": "Legend"},
    "page": {"vi": "Trang", "en": "Page"},
    "hash_note": {
        "vi": "Mã băm được tính trên toàn bộ kết quả và minh chứng của kỳ báo cáo "
        "(trừ thời điểm tính); dữ liệu thay đổi thì mã băm thay đổi.",
        "en": "The hash covers every result and evidence item of the period (not the "
        "time it was computed); any change of the data changes it.",
    },
    # maintenance windows and excused periods (server/monitoring/exclusion_history.py)
    "exclusions": {"vi": "Bảo trì và miễn trừ", "en": "Maintenance windows and excused periods"},
    "exclusions.note": {
        "vi": "Thời gian bảo trì và thời gian được miễn trừ liên quan đến xã trong kỳ. Chỉ "
        "mục đã được duyệt mới được tính; mục chờ duyệt hoặc bị từ chối được liệt kê nhưng "
        "không làm thay đổi kết quả. Thời gian miễn trừ chỉ được tính khi báo cáo loại trừ "
        "thời gian được miễn trừ.",
        "en": "Maintenance windows and excused periods touching the commune in the period. "
        "Only approved ones count; pending or rejected ones are listed but change nothing. "
        "Excused periods count only in a report that leaves excused periods out.",
    },
    "exclusions.none": {
        "vi": "Không có thời gian bảo trì hay miễn trừ nào trong kỳ.",
        "en": "No maintenance window or excused period in the period.",
    },
    "exclusion.maintenance": {"vi": "Bảo trì", "en": "Maintenance"},
    "exclusion.excused": {"vi": "Miễn trừ", "en": "Excused"},
    "scope": {"vi": "Phạm vi", "en": "Scope"},
    "scope.device": {"vi": "Thiết bị", "en": "Device"},
    "scope.agent": {"vi": "Gateway và thiết bị phía sau", "en": "Gateway and its devices"},
    "scope.commune": {"vi": "Toàn xã", "en": "Whole commune"},
    "scope.kind": {"vi": "Loại thiết bị", "en": "Device kind"},
    "cause.grid_power_cut": {"vi": "Mất điện lưới", "en": "Grid power cut"},
    "cause.natural_disaster": {"vi": "Thiên tai", "en": "Natural disaster"},
    "cause.third_party_network": {
        "vi": "Sự cố mạng của nhà cung cấp",
        "en": "Third-party network fault",
    },
    "cause.other": {"vi": "Nguyên nhân khác", "en": "Other cause"},
    "state": {"vi": "Trạng thái", "en": "State"},
    "state.pending": {"vi": "Chờ duyệt", "en": "Pending approval"},
    "state.approved": {"vi": "Đã duyệt", "en": "Approved"},
    "state.rejected": {"vi": "Bị từ chối", "en": "Rejected"},
    "state.deleted": {"vi": "Đã xoá", "en": "Deleted"},
    "author": {"vi": "Người tạo", "en": "Created by"},
    "why": {"vi": "Lý do", "en": "Reason"},
    "decided": {"vi": "Người duyệt", "en": "Decided by"},
    "at_creation": {"vi": "duyệt ngay khi tạo", "en": "approved at creation"},
    "times": {"vi": "lần", "en": "times"},
    "migrated": {
        "vi": "chuyển từ dữ liệu trước khi có phê duyệt",
        "en": "migrated from before approvals were kept",
    },
    # sources
    "source.telemetry": {"vi": "Dữ liệu giám sát tự động", "en": "Monitoring data"},
    "source.broadcast_logs": {"vi": "Nhật ký phát thanh", "en": "Broadcast logs"},
    "source.declared": {"vi": "Số liệu kê khai có minh chứng", "en": "Declared, with evidence"},
    "source.inventory": {"vi": "Danh mục thiết bị, địa bàn", "en": "Inventory"},
    "source.profile": {"vi": "Hồ sơ chỉ tiêu", "en": "Indicator profile"},
    # evidence kinds
    "kind.device": {"vi": "Thiết bị", "en": "Device"},
    "kind.village": {"vi": "Thôn", "en": "Village"},
    "kind.key_location": {"vi": "Địa điểm trọng yếu", "en": "Key location"},
    "kind.outage": {"vi": "Sự cố", "en": "Outage"},
    "kind.broadcast": {"vi": "Buổi phát", "en": "Broadcast"},
    "kind.document": {"vi": "Tài liệu", "en": "Document"},
    "kind.declared": {"vi": "Số liệu kê khai", "en": "Declared value"},
    # units
    "unit.clusters": {"vi": "cụm", "en": "clusters"},
    "unit.days/week": {"vi": "ngày/tuần", "en": "days/week"},
    "unit.cameras": {"vi": "camera", "en": "cameras"},
    "unit.villages": {"vi": "thôn", "en": "villages"},
    "unit.points": {"vi": "điểm", "en": "points"},
    # verdicts in English (Vietnamese: VERDICT_VI)
    "verdict.met": {"vi": VERDICT_VI["met"], "en": "Met"},
    "verdict.not_met": {"vi": VERDICT_VI["not_met"], "en": "Not met"},
    "verdict.insufficient_data": {"vi": VERDICT_VI["insufficient_data"], "en": "Insufficient data"},
    "verdict.not_applicable": {"vi": VERDICT_VI["not_applicable"], "en": "Not applicable"},
}


class CauseText(NamedTuple):
    """A stored cause as a person reads it."""

    text: str  # in the user's language
    raw: str  # the agent's own error text when ``text`` says it in words, else ""


def cause_text(cause: str, words: dict[str, str]) -> CauseText:
    """A stored cause code in the user's language. A probe's error is said in words
    kind by kind (``server/monitoring/probe_errors.py``); what the table does not know
    is shown as the agent wrote it, and the agent's whole text is kept in ``raw``."""
    code, _, detail = cause.partition(": ")
    if code == "backfill" and detail:
        found = cause_text(detail, words)
        return CauseText(f"{found.text} ({words['cause.backfill']})", found.raw)
    # availability.py names a span before any record "no data".
    text = words.get(f"cause.{code.replace(' ', '_')}")
    if text is None:
        return CauseText(cause, "")
    if not detail:
        return CauseText(text, "")
    if code != "probe_failed":
        return CauseText(f"{text}: {detail}", "")
    parts = read_probe_error(detail)
    said = "; ".join(_error_part_text(part, words) for part in parts)
    raw = normalise(detail) if any(part.known for part in parts) else ""
    return CauseText(f"{text}: {said}" if said else text, raw)


def _error_part_text(part: ErrorPart, words: dict[str, str]) -> str:
    if part.kind is not None:
        said = words[f"probe.{part.kind}"].format(code=part.code)
    else:
        said = part.rest if part.via else part.text
    if part.via is None:
        return said
    return f"{words[f'via.{part.via}'].format(port=part.port)}: {said}"


def describe_cause(cause: str, words: dict[str, str]) -> str:
    """A stored cause code in the user's language, on one line (``cause_text``)."""
    return cause_text(cause, words).text


def role_name(role: str, words: dict[str, str]) -> str:
    """A token's role (``server/web/tokens.py``) as the page names it."""
    return words.get(f"role.{role}", role)


_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_PERIOD = re.compile(
    r"(?P<year>\d{4})(?:-[Qq](?P<quarter>[1-4])|-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?"
)


def period_name(label: str, lang: str) -> str:
    """A period's machine name (``server/indicators/period.py``: "2026-Q3", as URLs,
    the API and the CSV write it) as people name it: "Quý 3/2026", "Q3 2026"; "2026-10"
    is "Tháng 10/2026", "October 2026"; "2026" is "Năm 2026". Anything else as given."""
    found = _PERIOD.fullmatch(label.strip())
    if found is None:
        return label
    words = translator(lang)
    year = int(found["year"])
    if found["quarter"]:
        return words["period.quarter"].format(year=year, quarter=int(found["quarter"]))
    if not found["month"]:
        return words["period.year"].format(year=year)
    month = int(found["month"])
    if not 1 <= month <= 12:
        return label
    fields = {"year": year, "month": month, "month_name": _MONTHS_EN[month - 1]}
    if found["day"]:
        return words["period.day"].format(day=int(found["day"]), **fields)
    return words["period.month"].format(**fields)


def duration(seconds: float, lang: str) -> str:
    """A short human duration: '45 giây', '12 phút', '3 giờ 20 phút', '2 ngày 4 giờ'."""
    units = {"vi": ("ngày", "giờ", "phút", "giây"), "en": ("d", "h", "min", "s")}[lang]
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, units[0]), (hours, units[1]), (minutes, units[2]), (secs, units[3])]
    shown = [(n, unit) for n, unit in parts if n][:2] or [(0, units[3])]
    return " ".join(f"{n} {unit}" for n, unit in shown)


def translator(lang: str) -> dict[str, str]:
    """Every word in ``lang``; Vietnamese for an unknown language."""
    lang = lang if lang in LANGUAGES else "vi"
    return _BY_LANGUAGE[lang]


def pick_language(query_lang: str | None, cookie_lang: str | None) -> str:
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGUAGES:
            return candidate
    return "vi"


_BY_LANGUAGE: dict[str, dict[str, str]] = {
    lang: {key: words[lang] for key, words in _TEXT.items()} for lang in LANGUAGES
}
