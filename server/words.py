"""Every word a page or a report shows, in one catalogue: Vietnamese first (the users'
language), English second. ``translator(lang)`` gives them in one language."""

from __future__ import annotations

import re
from typing import NamedTuple

from xaso.server.camera_snapshots.words import SNAPSHOT_TEXT
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
    "menu.indicators": {"vi": "Chỉ tiêu", "en": "Indicators"},
    "signed_in_as": {"vi": "Đang đăng nhập", "en": "Signed in as"},
    "updated_at": {"vi": "Cập nhật lúc", "en": "Updated at"},
    # -- the problems page and the overview --
    "menu.problems": {"vi": "Sự cố", "en": "Problems"},
    "problems.title": {"vi": "Sự cố hiện tại", "en": "Problems now"},
    "problems.all": {"vi": "Tất cả", "en": "All"},
    "problems.ack": {"vi": "Xác nhận", "en": "Acknowledged"},
    "problems.ack_no": {"vi": "Chưa ai xác nhận", "en": "Not acknowledged"},
    "problems.ack_yes": {"vi": "Đã xác nhận", "en": "Acknowledged"},
    "problems.search": {"vi": "Tìm", "en": "Search"},
    "problems.search_hint": {"vi": "tên hoặc mã thiết bị", "en": "device name or id"},
    "problems.filter": {"vi": "Lọc", "en": "Filter"},
    "problems.clear": {"vi": "Bỏ lọc", "en": "Clear"},
    "problems.count": {"vi": "{n} sự cố", "en": "Problems: {n}"},
    "problems.open": {"vi": "{n} chưa xác nhận", "en": "not acknowledged: {n}"},
    "problems.none": {"vi": "Không có sự cố nào.", "en": "Nothing is wrong now."},
    "problems.none_filtered": {
        "vi": "Không có sự cố nào khớp bộ lọc.",
        "en": "No problem matches these filters.",
    },
    "problems.acked": {"vi": "Đã xác nhận bởi {by} lúc {at}", "en": "Acknowledged by {by} at {at}"},
    "problems.withdraw": {"vi": "Bỏ xác nhận", "en": "Withdraw"},
    "problems.acknowledge": {"vi": "Xác nhận đã biết", "en": "Acknowledge"},
    "problems.acknowledge_do": {"vi": "Xác nhận", "en": "Acknowledge"},
    "problems.comment": {"vi": "Ghi chú", "en": "Comment"},
    "problems.comment_hint": {
        "vi": "ví dụ: đã báo điện lực, chiều nay sửa",
        "en": "e.g. the power company is told, fixed this afternoon",
    },
    "problems.behind": {
        "vi": "{n} thiết bị phía sau gateway không hoạt động (không rõ trạng thái)",
        "en": "Devices behind this gateway that is down (status unknown): {n}",
    },
    "problems.more": {
        "vi": "Đang hiện {shown}/{total} dòng; hãy lọc thêm để xem phần còn lại.",
        "en": "Showing {shown} of {total} lines; narrow the filters to see the rest.",
    },
    "problems.recovered": {
        "vi": "Thiết bị đã hết sự cố trước khi được xác nhận.",
        "en": "The device recovered before it was acknowledged.",
    },
    "overview.title": {"vi": "Tổng quan", "en": "Overview"},
    "menu.overview": {"vi": "Tổng quan", "en": "Overview"},
    "overview.order": {
        "vi": "Xã có nhiều sự cố nhất xếp trước. Bấm vào số để xem các thiết bị đó.",
        "en": "Communes with the most problems first. Follow a number to see those devices.",
    },
    "overview.problems": {"vi": "Sự cố", "en": "Problems"},
    "overview.see_problems": {"vi": "Xem sự cố", "en": "See problems"},
    "overview.all": {"vi": "Tất cả các xã", "en": "Every commune"},
    "overview.severity.critical": {"vi": "Nghiêm trọng", "en": "Critical"},
    "overview.severity.warning": {"vi": "Cảnh báo", "en": "Warning"},
    "overview.severity.info": {"vi": "Thông tin", "en": "Info"},
    "overview.no_communes": {
        "vi": "Không có xã nào trong phạm vi của bạn.",
        "en": "No commune in your scope.",
    },
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
    # The device page's recording section (a camera).
    "recording.title": {"vi": "Ghi hình {days} ngày qua", "en": "Recording, last {days} days"},
    "recording.day": {"vi": "Ngày", "en": "Day"},
    "recording.hours": {"vi": "Thời gian ghi hình", "en": "Recorded"},
    "recording.of_covered": {"vi": "đã kiểm tra", "en": "checked"},
    "recording.band": {"vi": "Trong ngày", "en": "Over the day"},
    "recording.gaps": {"vi": "Khoảng mất ghi hình", "en": "Gaps"},
    "recording.no_gap": {"vi": "Không mất đoạn nào", "en": "No gap"},
    "recording.no_report": {"vi": "Không có báo cáo", "en": "No report"},
    "recording.recorded": {"vi": "Có ghi hình", "en": "Recorded"},
    "recording.gap": {"vi": "Mất ghi hình", "en": "Gap"},
    "recording.unknown": {"vi": "Không rõ", "en": "Unknown"},
    "recording.none": {
        "vi": "Chưa có báo cáo ghi hình từ đầu ghi cho camera này (xem cấu hình recorder).",
        "en": "No recording report from a recorder for this camera yet (see its recorder setting).",
    },
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
    # -- the map (server/web/pages/map_page.py, static/map.js) --
    "menu.map": {"vi": "Bản đồ", "en": "Map"},
    "map.title": {"vi": "Bản đồ thiết bị", "en": "Device map"},
    "map.all_communes": {"vi": "Tất cả xã / phường", "en": "All communes"},
    "map.all_kinds": {"vi": "Tất cả loại thiết bị", "en": "All kinds"},
    "map.filter": {"vi": "Lọc", "en": "Filter"},
    "map.clear": {"vi": "Bỏ lọc", "en": "Clear"},
    "map.legend_status": {"vi": "Màu: trạng thái", "en": "Colour: status"},
    "map.legend_kind": {"vi": "Hình và chữ: loại thiết bị", "en": "Shape and letter: kind"},
    # One letter a kind, on its marker beside its shape (colour is not the only cue).
    "map.letter.gateway": {"vi": "G", "en": "G"},
    "map.letter.radio_cluster": {"vi": "L", "en": "R"},
    "map.letter.camera": {"vi": "C", "en": "C"},
    "map.letter.nvr": {"vi": "Đ", "en": "N"},
    "map.letter.vc_endpoint": {"vi": "H", "en": "V"},
    "map.legend_cluster": {
        "vi": "Số trong vòng tròn: số thiết bị gộp lại, màu của thiết bị có trạng thái xấu nhất.",
        "en": "A number in a circle: devices grouped together, coloured as the worst of them.",
    },
    "map.legend_outline": {
        "vi": "Ranh giới xã: nét liền khi danh mục có ranh giới, "
        "nét đứt là đường bao các thiết bị.",
        "en": "Commune outlines: solid when the inventory gives the boundary, "
        "dashed around its devices otherwise.",
    },
    "map.no_tiles": {
        "vi": "Chưa cấu hình nền bản đồ: chỉ vẽ các điểm và ranh giới xã "
        "(dùng được khi không có Internet).",
        "en": "No map background is configured: only the points and the communes' "
        "outlines are drawn (works offline).",
    },
    "map.unplaced": {
        "vi": "{n} thiết bị chưa có tọa độ trong danh mục thiết bị nên không hiện trên bản đồ.",
        "en": "{n} devices have no coordinates in the inventory and are not on the map.",
    },
    "map.none": {
        "vi": "Không có thiết bị nào có tọa độ trong phạm vi này.",
        "en": "No device with coordinates here.",
    },
    "map.open_device": {"vi": "Xem thiết bị", "en": "Open the device"},
    "map.devices_in_cluster": {"vi": "thiết bị", "en": "devices"},
    "map.load_failed": {
        "vi": "Không tải được dữ liệu bản đồ; sẽ thử lại.",
        "en": "The map's data did not load; trying again.",
    },
    "map.noscript": {
        "vi": "Bản đồ cần JavaScript. Trạng thái từng thiết bị có ở trang Xã / phường.",
        "en": "The map needs JavaScript. Each device's status is on the Communes page.",
    },
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
    # The alerts page (server/web/pages/alerts.py)
    "alerts.off": {
        "vi": "Chưa bật gửi cảnh báo: máy chủ chạy không có tệp cấu hình cảnh báo (--alerts). "
        "Lịch sử cảnh báo trước đây vẫn xem được bên dưới.",
        "en": "Alerting is off: the server runs without an alerts file (--alerts). The "
        "history of earlier alerts is still shown below.",
    },
    "alerts.firing": {"vi": "Đang cảnh báo", "en": "Firing now"},
    "alerts.none_firing": {
        "vi": "Không có cảnh báo nào đang hoạt động.",
        "en": "No alert is firing.",
    },
    "alerts.severity": {"vi": "Mức độ", "en": "Severity"},
    "alerts.rule": {"vi": "Quy tắc", "en": "Rule"},
    "alerts.last_sent": {"vi": "Lần gửi gần nhất", "en": "Last sent"},
    "alerts.acknowledged": {"vi": "Xác nhận xử lý", "en": "Acknowledged"},
    "alerts.not_acknowledged": {"vi": "Chưa ai xác nhận", "en": "Not yet"},
    "alerts.history": {"vi": "Lịch sử cảnh báo", "en": "Alert history"},
    "alerts.recent": {"vi": "Sự kiện gần đây", "en": "Recent events"},
    "alerts.all_history": {
        "vi": "Xem toàn bộ lịch sử, lọc theo xã, quy tắc, loại sự kiện, thời gian",
        "en": "The whole history, by commune, rule, kind of event, period",
    },
    "alerts.history_none": {"vi": "Không có sự kiện nào.", "en": "No event."},
    "alerts.event": {"vi": "Sự kiện", "en": "Event"},
    "alerts.at": {"vi": "Thời điểm", "en": "When"},
    "alerts.started": {"vi": "sự cố từ", "en": "problem since"},
    "alerts.devices_count": {"vi": "{n} thiết bị", "en": "{n} devices"},
    "alerts.devices_one": {"vi": "1 thiết bị", "en": "1 device"},
    "alerts.deliveries": {"vi": "Kết quả gửi", "en": "Delivery"},
    "alerts.delivery.sent": {"vi": "đã gửi", "en": "sent"},
    "alerts.delivery.failed": {"vi": "gửi lỗi", "en": "failed"},
    "alerts.delivery.dropped": {"vi": "bị bỏ (hàng đợi đầy)", "en": "dropped (queue full)"},
    "alerts.delivery.none": {"vi": "chưa có kết quả", "en": "no outcome yet"},
    "alerts.all": {"vi": "Tất cả", "en": "All"},
    "alerts.from": {"vi": "Từ ngày", "en": "From"},
    "alerts.to": {"vi": "Đến hết ngày", "en": "To (inclusive)"},
    "alerts.filter": {"vi": "Lọc", "en": "Filter"},
    "alerts.older": {"vi": "Cũ hơn →", "en": "Older →"},
    "alerts.newest": {"vi": "← Mới nhất", "en": "← Newest"},
    "alerts.back": {"vi": "← Về trang Cảnh báo", "en": "← Back to Alerts"},
    "alerts.channels": {"vi": "Kênh gửi cảnh báo", "en": "Alert channels"},
    "alerts.channels_none": {"vi": "Chưa cấu hình kênh nào.", "en": "No channel configured."},
    "alerts.channel": {"vi": "Kênh", "en": "Channel"},
    "alerts.settings": {
        "vi": "Cấu hình (không hiện mật khẩu, khoá, đường dẫn bí mật)",
        "en": "Settings (no password, key or secret path shown)",
    },
    "alerts.used_by": {"vi": "Dùng cho quy tắc", "en": "Used by rules"},
    "alerts.test": {"vi": "Tin thử", "en": "Test message"},
    "alerts.send_test": {"vi": "Gửi tin thử", "en": "Send a test message"},
    "alerts.sending": {"vi": "Đang gửi…", "en": "Sending…"},
    "alerts.test_sent": {
        "vi": "Tin thử đã gửi lúc {at} ({by}).",
        "en": "Test message sent at {at} ({by}).",
    },
    "alerts.test_failed": {
        "vi": "Tin thử gửi lỗi lúc {at} ({by}):",
        "en": "Test message failed at {at} ({by}):",
    },
    "alerts.test_never": {"vi": "Chưa gửi tin thử.", "en": "No test message yet."},
    "channel.webhook": {"vi": "Webhook (JSON qua HTTP)", "en": "Webhook (JSON over HTTP)"},
    "channel.email": {"vi": "Thư điện tử (SMTP)", "en": "E-mail (SMTP)"},
    "channel.telegram": {"vi": "Telegram", "en": "Telegram"},
    "channel.apprise": {
        "vi": "Apprise (SMS và hơn 90 dịch vụ)",
        "en": "Apprise (SMS and 90+ services)",
    },
    "channel.zalo": {"vi": "Zalo (OA và ZNS)", "en": "Zalo (OA and ZNS)"},
    "alerts.for_people": {"vi": "Gửi riêng cán bộ", "en": "To each officer"},
    "personal.zalo": {"vi": "Zalo", "en": "Zalo"},
    "personal.sms": {"vi": "SMS", "en": "SMS"},
    "personal.email": {"vi": "thư điện tử", "en": "e-mail"},
    "personal.telegram": {"vi": "Telegram", "en": "Telegram"},
    "severity.critical": {"vi": "Nghiêm trọng", "en": "Critical"},
    "severity.warning": {"vi": "Cảnh báo", "en": "Warning"},
    "severity.info": {"vi": "Thông báo", "en": "Info"},
    "rule.device_down": {"vi": "Thiết bị mất kết nối", "en": "Device offline"},
    "rule.commune_radio_below": {
        "vi": "Truyền thanh dưới chỉ tiêu",
        "en": "Radio below target",
    },
    "rule.camera_not_recording": {"vi": "Camera không ghi hình", "en": "Camera not recording"},
    "rule.recording_gap": {"vi": "Camera mất ghi hình", "en": "Camera recording gap"},
    "rule.picture_unusable": {
        "vi": "Hình ảnh camera không dùng được",
        "en": "Camera picture unusable",
    },
    "rule.clock_offset": {"vi": "Lệch đồng hồ", "en": "Clock offset"},
    "rule.broadcast_not_played": {
        "vi": "Bản tin không phát được",
        "en": "Bulletin did not play",
    },
    "event.opened": {"vi": "Bắt đầu cảnh báo", "en": "Opened"},
    "event.reminded": {"vi": "Nhắc lại", "en": "Reminded"},
    "event.acknowledged": {"vi": "Đã xác nhận xử lý", "en": "Acknowledged"},
    "event.resolved": {"vi": "Đã khôi phục", "en": "Resolved"},
    # A group's suspected common cause (AlertMessage.cause): a guess, said as one.
    "alert_cause.power": {"vi": "mất điện?", "en": "power cut?"},
    "alert_cause.network": {"vi": "mất mạng?", "en": "network outage?"},
    "alert_cause.gateway": {"vi": "do bộ điều khiển trung tâm?", "en": "gateway fault?"},
    # The help: the legend under status tables (templates/_legend.html) and /help.
    "help.title": {
        "vi": "Hướng dẫn: trạng thái, nguyên nhân, vai trò, kết quả chỉ tiêu",
        "en": "Help: statuses, causes, roles, verdicts",
    },
    "help.intro": {
        "vi": "Giải thích các từ trên các trang: mỗi trạng thái, nguyên nhân thường gặp "
        "có nghĩa là gì và cần làm gì.",
        "en": "What the words on the pages mean: each status and common cause, and what "
        "to do about it.",
    },
    "help.statuses": {"vi": "Trạng thái thiết bị", "en": "Device statuses"},
    "help.causes": {"vi": "Nguyên nhân thường gặp", "en": "Common causes"},
    "help.meaning": {"vi": "Ý nghĩa", "en": "What it means"},
    "help.todo": {"vi": "Cần làm gì", "en": "What to do"},
    "help.more": {"vi": "Xem đầy đủ ở trang Hướng dẫn", "en": "More on the Help page"},
    "help.status.online": {
        "vi": "Hoạt động bình thường: gateway gửi heartbeat (tin báo định kỳ) đúng hạn; "
        "thiết bị trả lời lần kiểm tra gần nhất.",
        "en": "Working: a gateway's heartbeats (its regular reports) arrive in time; a "
        "device answered its latest check.",
    },
    "help.status.online.do": {"vi": "Không cần làm gì.", "en": "Nothing."},
    "help.status.pending": {
        "vi": "Đang chờ xác nhận: gateway chậm một nhịp heartbeat, hoặc thiết bị vừa "
        "không trả lời nhưng chưa quá một chu kỳ heartbeat. Vẫn được tính là hoạt động.",
        "en": "Within grace: a gateway missed one heartbeat, or a device's check failed "
        "but not yet for a whole heartbeat interval. Still counted as up.",
    },
    "help.status.pending.do": {
        "vi": "Chưa cần làm gì; nếu kéo dài, trạng thái chuyển sang Mất kết nối.",
        "en": "Nothing yet; if it lasts, it turns Offline.",
    },
    "help.status.offline": {
        "vi": "Sự cố: kết nối của gateway bị ngắt đột ngột hoặc quá hạn không có "
        "heartbeat; thiết bị không trả lời suốt một chu kỳ heartbeat. Thời gian này "
        "tính vào sự cố và có thể gửi cảnh báo.",
        "en": "An outage: a gateway's connection dropped or no heartbeat came in time; a "
        "device kept failing its checks for a heartbeat interval. This time counts "
        "against it and may raise an alert.",
    },
    "help.status.offline.do": {
        "vi": "Xem nguyên nhân ghi bên cạnh; kiểm tra nguồn điện và đường mạng tại chỗ.",
        "en": "Read the cause beside it; check the power and the network on site.",
    },
    "help.status.unknown": {
        "vi": "Không có thông tin tin cậy: gateway của thiết bị đang mất kết nối hoặc đã "
        "dừng, gateway không còn báo cáo thiết bị, chưa từng nhận tin kể từ khi máy chủ "
        "khởi động, hoặc vừa hết thời gian bảo trì. Không tính là hoạt động, cũng không "
        "tính là sự cố.",
        "en": "Nothing trustworthy is known: its gateway is offline or stopped, the gateway "
        "no longer reports it, nothing heard since the server started, or a maintenance "
        "window just ended. Counted neither as up nor as down.",
    },
    "help.status.unknown.do": {
        "vi": "Nếu do gateway: xử lý gateway trước. Nếu thiết bị Không rõ lâu: kiểm tra "
        "thiết bị đã bật và gateway còn được cấu hình để kiểm tra nó.",
        "en": "If its gateway is the cause, see to the gateway first. If it stays unknown, "
        "check the device is on and its gateway is still set up to check it.",
    },
    "help.status.maintenance": {
        "vi": "Trong khung giờ bảo trì đã được duyệt: dù thiết bị báo gì cũng không tính là "
        "sự cố và không gửi cảnh báo; thời gian này tính là hoạt động. Khung chờ duyệt "
        "không có tác dụng.",
        "en": "Inside an approved maintenance window: whatever it reports, no outage and no "
        "alert; the time counts as available. A window waiting for approval changes "
        "nothing.",
    },
    "help.status.maintenance.do": {
        "vi": "Làm công việc bảo trì; bật lại thiết bị trước khi khung giờ kết thúc.",
        "en": "Do the work; switch the device back on before the window ends.",
    },
    "help.status.stopped": {
        "vi": "Phần mềm giám sát trên gateway được tắt đúng quy trình (tắt máy, cập nhật): "
        "không phải sự cố tại xã. Thiết bị phía sau thành Không rõ.",
        "en": "The monitoring agent on the gateway was shut down cleanly (switched off, "
        "updated): not an outage of the site. The devices behind it become unknown.",
    },
    "help.status.stopped.do": {
        "vi": "Nếu không ai chủ động tắt, khởi động lại gateway.",
        "en": "If nobody meant to stop it, start the gateway again.",
    },
    "help.status.planned": {
        "vi": "Có trong danh mục theo kế hoạch nhưng chưa lắp đặt: được tính vào mẫu số "
        "chỉ tiêu, không cần báo cáo.",
        "en": "In the inventory as planned, not installed: counted in the indicators' "
        "denominators, not expected to report.",
    },
    "help.status.planned.do": {
        "vi": "Khi đã lắp đặt, cập nhật danh mục thiết bị (bỏ đánh dấu kế hoạch).",
        "en": "Once installed, update the inventory (drop the planned mark).",
    },
    "help.cause.timeout": {
        "vi": "Máy chủ không nhận được heartbeat của gateway trong thời hạn cho phép; "
        "thường do mất điện hoặc mất mạng tại xã.",
        "en": "No heartbeat from the gateway within its time limit; usually a power cut or "
        "a network outage at the commune.",
    },
    "help.cause.timeout.do": {
        "vi": "Liên hệ xã kiểm tra nguồn điện, modem và đường truyền Internet của bộ điều "
        "khiển trung tâm.",
        "en": "Ask the commune to check the gateway's power, modem and Internet line.",
    },
    "help.cause.will": {
        "vi": "Kết nối của gateway tới máy chủ bị ngắt không báo trước (mất điện, rút cáp, "
        "mất mạng); máy chủ biết sau vài giây, không phải chờ hết hạn heartbeat.",
        "en": "The gateway's connection ended without warning (power, cable, network); the "
        "server knows within seconds, without waiting for a heartbeat timeout.",
    },
    "help.cause.will.do": {
        "vi": "Như khi quá hạn heartbeat: kiểm tra nguồn điện và mạng tại xã.",
        "en": "As for a timeout: check the power and the network at the commune.",
    },
    "help.cause.missed_heartbeat": {
        "vi": "Gateway gửi heartbeat chậm một nhịp: chưa phải sự cố.",
        "en": "The gateway's heartbeat is one beat late: not an outage yet.",
    },
    "help.cause.missed_heartbeat.do": {"vi": "Chưa cần làm gì.", "en": "Nothing yet."},
    "help.cause.probe_failed": {
        "vi": "Gateway kiểm tra thiết bị (ping, cổng, ONVIF, luồng video…) nhưng thiết bị "
        "không trả lời; phần sau dấu hai chấm nói lý do, dòng nhỏ bên dưới là nguyên văn "
        "gateway báo.",
        "en": "The gateway checked the device (ping, a port, ONVIF, the video stream…) and "
        "it did not answer; after the colon is why, and the small line beneath is what the "
        "gateway said.",
    },
    "help.cause.probe_failed.do": {
        "vi": "Kiểm tra nguồn và dây mạng của thiết bị; nếu báo sai mật khẩu hay không tìm "
        "thấy đường dẫn, kiểm tra cấu hình trên gateway.",
        "en": "Check the device's power and network cable; for a wrong password or a path "
        "not found, check the gateway's configuration.",
    },
    "help.cause.gateway_offline": {
        "vi": "Thiết bị nằm sau một gateway đang mất kết nối nên không biết tình trạng của "
        "nó: một sự cố, một nguyên nhân — cảnh báo nói về gateway, không về từng thiết bị.",
        "en": "The device stands behind a gateway that is offline, so nothing is known of "
        "it: one outage, one cause — the alert is about the gateway, not each device.",
    },
    "help.cause.gateway_offline.do": {
        "vi": "Xử lý gateway; thiết bị được kiểm tra lại khi gateway hoạt động trở lại.",
        "en": "See to the gateway; the device is checked again once it is back.",
    },
    "help.cause.no_reading": {
        "vi": "Gateway vẫn hoạt động nhưng không còn gửi kết quả kiểm tra thiết bị này.",
        "en": "The gateway works but no longer sends this device's checks.",
    },
    "help.cause.no_reading.do": {
        "vi": "Kiểm tra cấu hình của gateway còn thiết bị này không.",
        "en": "Check that the gateway's configuration still lists the device.",
    },
    "help.cause.maintenance_ended": {
        "vi": "Khung giờ bảo trì vừa kết thúc; tình trạng thật chưa biết cho đến khi gateway "
        "báo cáo lại, nên tạm để Không rõ (không tính là sự cố).",
        "en": "A maintenance window just ended; what the device is now is not known until "
        "its gateway reports again, so it is unknown meanwhile (not an outage).",
    },
    "help.cause.maintenance_ended.do": {
        "vi": "Thường không cần làm gì: trạng thái cập nhật ở lần báo cáo tiếp theo của "
        "gateway. Nếu vẫn Không rõ lâu, kiểm tra thiết bị và gateway đã được bật, nối mạng "
        "lại sau bảo trì chưa.",
        "en": "Usually nothing: the status follows the gateway's next report. If it stays "
        "unknown, check the device and its gateway were switched on and reconnected after "
        "the work.",
    },
    "help.cause.startup": {
        "vi": "Máy chủ chưa từng nhận tin của thiết bị này kể từ khi khởi động (thiết bị "
        "mới, hoặc chưa từng kết nối).",
        "en": "The server has heard nothing of this device since it started (a new device, "
        "or one never connected).",
    },
    "help.cause.startup.do": {
        "vi": "Nếu kéo dài: kiểm tra gateway đã lắp và được cấu hình để kiểm tra thiết bị.",
        "en": "If it lasts: check the gateway is installed and set up to check the device.",
    },
    "help.cause.recovered": {
        "vi": "Thiết bị hoạt động trở lại sau sự cố và đã ổn định ít nhất một chu kỳ heartbeat.",
        "en": "Back after an outage, and up for at least one heartbeat interval.",
    },
    "help.cause.recovered.do": {"vi": "Không cần làm gì.", "en": "Nothing."},
    "help.cause.flapping_started": {
        "vi": "Thiết bị mất kết nối 4 lần trong vòng 1 giờ; cảnh báo được gộp thành một, "
        "không gửi liên tục, cho đến khi yên ổn trọn 1 giờ.",
        "en": "Offline 4 times within an hour; its alerts are one, not a storm, until it "
        "has been quiet for a whole hour.",
    },
    "help.cause.flapping_started.do": {
        "vi": "Kiểm tra nguồn điện chập chờn, dây mạng lỏng hoặc sóng 4G yếu.",
        "en": "Look for an unsteady power supply, a loose cable or a weak 4G signal.",
    },
    "help.cause.backfill": {
        "vi": "Trạng thái biết được từ dữ liệu gateway lưu lại khi mất kết nối và gửi bù "
        "sau: sửa lại lịch sử, không gây cảnh báo.",
        "en": "Learnt from what the gateway kept while cut off and sent later: it corrects "
        "the history and raises no alert.",
    },
    "help.cause.backfill.do": {"vi": "Không cần làm gì.", "en": "Nothing."},
    "help.roles": {"vi": "Vai trò", "en": "Roles"},
    "help.role.admin": {
        "vi": "Mọi việc, ở mọi xã: tài khoản, cấu hình, gửi tin thử kênh cảnh báo.",
        "en": "Everything, in every commune: accounts, settings, test messages.",
    },
    "help.role.operator": {
        "vi": "Ở các xã của mình: lập lịch phát thanh, phát khẩn cấp, tắt loa, âm thanh, "
        "số liệu kê khai, khung giờ bảo trì; đề nghị miễn trừ.",
        "en": "In its communes: broadcast schedules, emergencies, silencing, audio, declared "
        "values, maintenance windows; proposes excused periods.",
    },
    "help.role.verifier": {
        "vi": "Cấp giám sát (tỉnh): xem, duyệt hoặc từ chối khung bảo trì và thời gian miễn "
        "trừ, phê duyệt báo cáo chỉ tiêu.",
        "en": "The overseeing level (province): reads, approves or rejects maintenance "
        "windows and excused periods, signs off reports.",
    },
    "help.role.viewer": {
        "vi": "Chỉ xem, trong phạm vi các xã được giao (nếu có).",
        "en": "Reads only, within its communes if it has any.",
    },
    "help.verdicts": {"vi": "Kết quả chỉ tiêu", "en": "Indicator verdicts"},
    "help.verdict.met": {
        "vi": "Giá trị của kỳ đạt ngưỡng của chỉ tiêu.",
        "en": "The period's value meets the indicator's threshold.",
    },
    "help.verdict.not_met": {
        "vi": "Giá trị của kỳ chưa đạt ngưỡng.",
        "en": "The period's value falls short of the threshold.",
    },
    "help.verdict.insufficient_data": {
        "vi": "Không đủ dữ liệu để kết luận (ví dụ: biết tình trạng dưới 75% thời gian, "
        "hoặc các thiết bị chưa xác định có thể làm đổi kết quả): không phải 0%.",
        "en": "Too little is known to decide (say, under 75 % of the time known, or "
        "undecided devices could tip it): not 0 %.",
    },
    "help.verdict.not_applicable": {
        "vi": "Chỉ tiêu bị tắt trong bộ chỉ tiêu, hoặc xã không có gì để đo (không có thôn, "
        "địa điểm trọng yếu hay thiết bị loại đó theo kế hoạch).",
        "en": "Switched off in the profile, or nothing to measure in the commune (no "
        "village, key location or device of that kind planned).",
    },
    # The indicators' work on /help: periods, evidence, sign-off, remediation.
    "help.indicators": {"vi": "Thẩm định chỉ tiêu", "en": "Verifying the indicators"},
    "help.indicators.text": {
        "vi": "Mục Chỉ tiêu mở ở quý đã kết thúc gần nhất; chọn kỳ khác (tháng, quý, năm "
        "hoặc tùy chọn) ở đầu trang. Tổng quan cho biết xã nào đạt chỉ tiêu nào; bấm vào một "
        "ô “chưa đạt” để mở báo cáo của xã, nơi mỗi chỉ tiêu có giá trị, tử số và "
        "mẫu số bằng lời, ngưỡng, cách tính và minh chứng: sự cố dẫn tới trang thiết bị, "
        "buổi phát dẫn tới bằng chứng phát, tài liệu dẫn tới tệp. Xã tự kê khai N1–N4, N6 "
        "(và chỉ tiêu riêng của tỉnh) kèm tài liệu ở thẻ Khai báo.",
        "en": "Indicators open on the last quarter that has ended; pick another period "
        "(month, quarter, year or custom) at the top. The overview shows which commune met "
        "which target; click a “not met” cell to open the commune's report, where "
        "each indicator has its value, numerator and denominator in words, threshold, "
        "method and evidence: an outage leads to the device page, a broadcast to its proof "
        "of play, a document to its file. Communes declare N1–N4, N6 (and the province's "
        "own indicators) with documents under Declarations.",
    },
    "help.indicators.signoff": {
        "vi": "Cán bộ thẩm định phê duyệt báo cáo của một xã cho một kỳ đã kết thúc, kèm ý "
        "kiến. Phê duyệt giữ mã băm (SHA-256) của đúng dữ liệu đã xem; nếu sau đó dữ liệu "
        "thay đổi (kê khai lại, thêm tài liệu, bảo trì được duyệt…), trang báo cáo ghi "
        "“Không còn khớp” và liệt kê thay đổi gì: chỉ tiêu nào, minh chứng nào, tài "
        "liệu nào. Thẻ Tổng hợp in kết quả cả tỉnh (HTML, PDF, CSV).",
        "en": "A verifier signs off a commune's report for a period that has ended, with a "
        "comment. The sign-off keeps the SHA-256 of exactly the data seen; if the data "
        "changes later (a new declaration or document, an approved maintenance window…), "
        "the report says “No longer matches” and lists what changed: which "
        "indicator, which evidence, which document. The Summary tab prints the whole "
        "province (HTML, PDF, CSV).",
    },
    "help.indicators.remediation": {
        "vi": "Với mỗi chỉ tiêu “chưa đạt”, xã lập kế hoạch khắc phục (nguyên nhân, "
        "các bước, thời hạn, người chịu trách nhiệm) ở thẻ Khắc phục; cán bộ thẩm định chấp "
        "nhận hoặc trả lại kèm ý kiến; xã sửa và gửi lại, rồi báo hoàn thành. Kế hoạch quá "
        "hạn được đưa lên đầu danh sách.",
        "en": "For each “not met” indicator the commune writes a remediation plan "
        "(cause, steps, deadline, who answers for it) under Remediation; the verifier "
        "accepts it or returns it with a comment; the commune edits and resubmits, then "
        "reports it done. Overdue plans come first in the list.",
    },
    # The radio's classes and broadcast outcomes on /help (what each means, what to do).
    "help.radio": {
        "vi": "Phát thanh: mức ưu tiên và kết quả phát",
        "en": "Radio: classes and outcomes",
    },
    "help.radio.text": {
        "vi": "Mỗi lịch phát có một mức ưu tiên theo Thông tư 39/2020/TT-BTTTT. Sau giờ phát, "
        "mỗi cụm loa có một kết quả, đối chiếu kế hoạch với nhật ký của gateway; lịch phát, "
        "bằng chứng phát và nhật ký phát thanh dùng cùng các màu và ký hiệu này.",
        "en": "Each schedule has a class of Circular 39/2020/TT-BTTTT. After its hour each "
        "loudspeaker cluster has an outcome, the plan checked against the gateway's log; the "
        "calendar, the proof of play and the playout log use these colours and symbols.",
    },
    "help.radio.background": {
        "vi": "Tiếp sóng Đài tỉnh hoặc Đài Trung ương trong các giờ đã đặt (trang Cài đặt loa); "
        "mọi bản tin đều ngắt nó và nó tự phát tiếp sau đó.",
        "en": "The provincial or national station relayed during set hours (Loudspeaker "
        "settings); every bulletin interrupts it and it resumes afterwards.",
    },
    "help.outcome.played": {
        "vi": "Phát đúng giờ và đủ thời lượng (ít nhất 90 %).",
        "en": "Started on time and played in full (at least 90 %).",
    },
    "help.outcome.late": {
        "vi": "Phát đủ nhưng bắt đầu muộn quá 1 phút. Kiểm tra đồng hồ gateway và đường truyền.",
        "en": "Played in full but started over a minute late. Check the gateway's clock and link.",
    },
    "help.outcome.partial": {
        "vi": "Bị ngắt giữa chừng (tin khẩn cấp chen vào, trình phát dừng sớm, mất điện). Xem "
        "bằng chứng phát để biết vì sao.",
        "en": "Cut short (an emergency cut in, the player stopped early, a power cut). The proof "
        "of play says why.",
    },
    "help.outcome.failed": {
        "vi": "Trình phát hoặc nội dung lỗi. Xem lỗi trong bằng chứng phát; nghe thử tệp, kiểm "
        "tra loa và bộ khuếch đại.",
        "en": "The player or its content failed. Read the error in the proof of play; listen to "
        "the file, check the amplifier.",
    },
    "help.outcome.missed": {
        "vi": "Gateway đã nhận lịch nhưng không phát (quá giờ, bận tin khác). Kiểm tra gateway "
        "vào giờ đó.",
        "en": "The gateway held the schedule and did not play it (too late, busy). Check the "
        "gateway at that hour.",
    },
    "help.outcome.not_received": {
        "vi": "Gateway chưa bao giờ xác nhận đã nhận lịch này. Xem trang Lịch trên gateway: "
        "gateway mất kết nối hoặc giữ bản lịch cũ.",
        "en": "The gateway never confirmed holding this schedule. See the gateways' schedules "
        "page: it was cut off or holds an old set.",
    },
    "help.outcome.silenced": {
        "vi": "Dừng có chủ đích theo lệnh im lặng, hoặc lịch bị tạm dừng, xóa trước giờ phát.",
        "en": "Stopped on purpose by a silence order, or its schedule paused or deleted first.",
    },
    "help.outcome.upcoming": {
        "vi": "Chưa đến giờ phát (hoặc đang trong thời gian chờ kết quả).",
        "en": "Not yet due (or within the time its outcome is waited for).",
    },
    "help.outcome.playing": {"vi": "Đang phát trên cụm loa.", "en": "Playing on the cluster now."},
    "help.outcome.manual": {
        "vi": "Buổi phát trực tiếp qua micro do cán bộ ghi vào nhật ký.",
        "en": "A live microphone announcement an officer entered in the log.",
    },
    "help.alerts": {"vi": "Cảnh báo", "en": "Alerts"},
    "help.alerts.text": {
        "vi": "Mỗi quy tắc gửi một tin cho mỗi xã (không phải từng thiết bị) khi sự cố kéo "
        "dài quá ngưỡng; nhắc lại định kỳ khi chưa khắc phục; gửi “Đã khôi phục” khi hết.",
        "en": "Each rule sends one message per commune (not per device) once a problem "
        "lasts past its threshold; reminds while it lasts; sends “Resolved” when it ends.",
    },
    "help.acknowledge": {
        "vi": "Xác nhận đã biết (trang Sự cố): báo cho mọi người biết đã có người nhận xử lý; "
        "tên, thời điểm và ghi chú được ghi lại. Khi mọi thiết bị của một cảnh báo đã được "
        "xác nhận, cảnh báo thôi nhắc lại; tin “Đã khôi phục” vẫn được gửi. Xác nhận tự hết "
        "khi thiết bị hoạt động trở lại.",
        "en": "Acknowledging (on the Problems page) tells everyone someone is on it; who, "
        "when and the comment are recorded. While every device of an alert is acknowledged "
        "the alert sends no reminders; its “Resolved” still goes. An acknowledgement ends "
        "by itself when the device is back.",
    },
    # -- the smart-radio section (server/web/pages/radio_shared.py) --
    "menu.radio": {"vi": "Phát thanh", "en": "Radio"},
    "radio.commune": {"vi": "Xã / phường", "en": "Commune"},
    "radio.show": {"vi": "Xem", "en": "Show"},
    # -- radio: the calendar and proof of play --
    "radio.calendar.tab": {"vi": "Lịch phát", "en": "Calendar"},
    "radio.cal.title": {"vi": "Lịch phát thanh", "en": "Broadcast calendar"},
    "radio.cal.move": {"vi": "Chuyển khoảng thời gian", "en": "Move in time"},
    "radio.cal.views": {"vi": "Cách xem", "en": "Views"},
    "radio.cal.view.week": {"vi": "Tuần", "en": "Week"},
    "radio.cal.view.month": {"vi": "Tháng", "en": "Month"},
    "radio.cal.view.day": {"vi": "Ngày", "en": "Day"},
    "radio.cal.previous": {"vi": "Trước", "en": "Previous"},
    "radio.cal.next": {"vi": "Sau", "en": "Next"},
    "radio.cal.today": {"vi": "Hôm nay", "en": "Today"},
    "radio.cal.zone": {"vi": "Khu vực", "en": "Area"},
    "radio.cal.whole": {"vi": "Toàn xã", "en": "Whole commune"},
    "radio.cal.week_of": {"vi": "Tuần {start} – {end}", "en": "Week {start} – {end}"},
    "radio.cal.clusters": {"vi": "{total} cụm loa", "en": "{total} clusters"},
    "radio.cal.confirmed": {
        "vi": "{confirmed}/{total} cụm đã phát",
        "en": "{confirmed} of {total} clusters played",
    },
    "radio.cal.manual": {"vi": "Phát trực tiếp, {total} cụm", "en": "Live, {total} clusters"},
    "radio.cal.clash": {
        "vi": "Trùng giờ với «{other}» {time}: {first}",
        "en": "Overlaps «{other}» {time}: {first}",
    },
    "radio.cal.first.this": {"vi": "bản này phát trước", "en": "this one plays first"},
    "radio.cal.first.other": {"vi": "bản kia phát trước", "en": "the other plays first"},
    "radio.cal.first.same": {
        "vi": "cùng mức, cùng giờ: phát lần lượt",
        "en": "same class, same time: one after the other",
    },
    "radio.cal.relay": {"vi": "Tiếp sóng thường trực", "en": "Standing relay"},
    "radio.cal.silence": {"vi": "Im lặng", "en": "Silence"},
    "radio.cal.lifted": {"vi": "đã gỡ sớm", "en": "lifted early"},
    "radio.cal.lifted_by": {"vi": "gỡ sớm bởi {who}", "en": "lifted early by {who}"},
    "radio.cal.silence_by": {"vi": "lệnh của {who}", "en": "ordered by {who}"},
    "radio.cal.silences": {
        "vi": "Lệnh im lặng trong khoảng này",
        "en": "Silence orders in this period",
    },
    "radio.cal.more": {"vi": "+{n} buổi nữa", "en": "+{n} more"},
    "radio.cal.none_day": {"vi": "Không có buổi phát.", "en": "No broadcast."},
    "radio.cal.none_period": {
        "vi": "Không có buổi phát nào trong tháng này.",
        "en": "No broadcast this month.",
    },
    "radio.cal.of_the_day": {"vi": "Các buổi phát trong ngày", "en": "The day's broadcasts"},
    "radio.cal.col.time": {"vi": "Giờ", "en": "Time"},
    "radio.cal.col.title": {"vi": "Bản tin", "en": "Bulletin"},
    "radio.cal.col.class": {"vi": "Mức ưu tiên", "en": "Class"},
    "radio.cal.col.outcome": {"vi": "Kết quả", "en": "Outcome"},
    "radio.cal.col.clash": {"vi": "Trùng giờ", "en": "Collisions"},
    "radio.cal.legend": {"vi": "Chú giải màu và ký hiệu", "en": "Colours and marks"},
    "radio.cal.legend.class": {"vi": "Mức ưu tiên (TT39)", "en": "Class (TT39)"},
    "radio.cal.legend.outcome": {"vi": "Kết quả (sau giờ phát)", "en": "Outcome (once due)"},
    "radio.cal.legend.clash": {
        "vi": "Trùng giờ trên cùng cụm loa: mức cao hơn phát trước, cùng mức thì bản bắt đầu "
        "trước phát trước",
        "en": "Overlapping on the same clusters: the higher class plays first; within a "
        "class, the one starting first",
    },
    "radio.occ.title": {"vi": "Bằng chứng phát", "en": "Proof of play"},
    "radio.occ.back": {"vi": "Lịch phát của tuần đó", "en": "That week in the calendar"},
    "radio.occ.schedule": {"vi": "Lịch phát của bản tin", "en": "Its schedule"},
    "radio.occ.planned": {"vi": "Giờ phát theo lịch", "en": "Planned"},
    "radio.occ.content": {"vi": "Nội dung", "en": "Content"},
    "radio.occ.revision": {"vi": "Phiên bản lịch", "en": "Schedule revision"},
    "radio.occ.created_by": {"vi": "tạo bởi", "en": "created by"},
    "radio.occ.entered_by": {"vi": "Người nhập", "en": "Entered by"},
    "radio.occ.note": {"vi": "Ghi chú", "en": "Note"},
    "radio.occ.listen": {"vi": "Mở tệp âm thanh", "en": "Open the audio file"},
    "radio.occ.stream": {"vi": "Luồng tiếp sóng", "en": "Relayed stream"},
    "radio.occ.clusters": {"vi": "Từng cụm loa", "en": "Cluster by cluster"},
    "radio.occ.col.cluster": {"vi": "Cụm loa", "en": "Cluster"},
    "radio.occ.col.village": {"vi": "Thôn", "en": "Village"},
    "radio.occ.col.started": {"vi": "Bắt đầu", "en": "Started"},
    "radio.occ.col.ended": {"vi": "Kết thúc", "en": "Ended"},
    "radio.occ.col.played": {"vi": "Đã phát", "en": "Played"},
    "radio.occ.col.preempted": {"vi": "Bị ngắt bởi", "en": "Pre-empted by"},
    "radio.occ.col.error": {"vi": "Lỗi", "en": "Error"},
    "radio.occ.col.when": {"vi": "Thời điểm", "en": "When"},
    "radio.occ.col.event": {"vi": "Sự kiện", "en": "Event"},
    "radio.occ.col.detail": {"vi": "Chi tiết", "en": "Detail"},
    "radio.occ.played_of": {
        "vi": "{played} / {length} ({against})",
        "en": "{played} of {length} ({against})",
    },
    "radio.occ.by_silence": {"vi": "Lệnh im lặng của {who}", "en": "Silence ordered by {who}"},
    "radio.occ.by": {"vi": "bởi", "en": "by"},
    "radio.occ.historical": {"vi": "(gửi bù sau mất kết nối)", "en": "(sent from backlog)"},
    "radio.occ.events": {"vi": "Sự kiện gateway báo về", "en": "What the gateways reported"},
    "radio.occ.no_events": {
        "vi": "Chưa có sự kiện nào từ gateway cho buổi phát này.",
        "en": "No gateway has reported anything about this broadcast yet.",
    },
    "radio.occ.event.received": {"vi": "Đã nhận lịch", "en": "Schedule received"},
    "radio.occ.event.started": {"vi": "Bắt đầu phát", "en": "Started"},
    "radio.occ.event.finished": {"vi": "Phát xong", "en": "Finished"},
    "radio.occ.event.failed": {"vi": "Lỗi", "en": "Failed"},
    "radio.occ.event.preempted": {"vi": "Bị ngắt", "en": "Pre-empted"},
    "radio.occ.event.skipped": {"vi": "Bỏ qua", "en": "Skipped"},
    "radio.reason.silenced": {"vi": "Dừng theo lệnh im lặng", "en": "Stopped by a silence order"},
    "radio.reason.withdrawn": {
        "vi": "Lịch đã tạm dừng hoặc bị xoá",
        "en": "The schedule was paused or deleted",
    },
    "radio.reason.changed": {
        "vi": "Lịch tiếp sóng đã sửa khi đang phát: phát tiếp theo bản sửa",
        "en": "The relay was edited while it played: the edit plays on",
    },
    "radio.reason.too_late": {
        "vi": "Quá muộn để phát (lỡ giờ)",
        "en": "Too late to play (the moment passed)",
    },
    "radio.reason.preempted_too_late": {
        "vi": "Bị bản tin ưu tiên chiếm giờ, hết giờ phát",
        "en": "A higher class held the air until it was too late",
    },
    "radio.reason.content_missing": {
        "vi": "Gateway chưa có tệp âm thanh",
        "en": "The gateway did not have the audio",
    },
    "radio.reason.tts_failed": {
        "vi": "Không đọc được văn bản (TTS)",
        "en": "Text to speech failed",
    },
    "radio.reason.unsupported_content": {
        "vi": "Gateway không phát được loại nội dung này",
        "en": "The gateway cannot play this kind of content",
    },
    "radio.reason.player_failed": {"vi": "Trình phát báo lỗi", "en": "The player failed"},
    "radio.reason.player_error": {
        "vi": "Không khởi động được trình phát",
        "en": "The player could not be started",
    },
    "radio.reason.relay_failed": {
        "vi": "Không bật được bộ khuếch đại (rơ-le)",
        "en": "The amplifier relay did not switch on",
    },
    "radio.reason.overrun": {
        "vi": "Phát quá giờ, đã bị dừng",
        "en": "Ran past its time and was stopped",
    },
    "radio.reason.agent_restarted": {
        "vi": "Gateway khởi động lại khi đang phát",
        "en": "The gateway restarted while playing",
    },
    "radio.reason.agent_stopped": {
        "vi": "Phần mềm gateway dừng khi đang phát",
        "en": "The gateway's agent stopped while playing",
    },
    "radio.reason.no_end_reported": {
        "vi": "Đã bắt đầu nhưng không báo kết thúc",
        "en": "Started, no end was reported",
    },
    "radio.reason.failed": {"vi": "Lỗi phát", "en": "Failed"},
    # -- radio: schedules and their editor --
    "radio.schedules.tab": {"vi": "Danh sách lịch", "en": "Schedules"},
    "sched.list_title": {"vi": "Danh sách lịch phát", "en": "Broadcast schedules"},
    "sched.new": {"vi": "Thêm lịch phát", "en": "New schedule"},
    "sched.edit": {"vi": "Sửa lịch phát", "en": "Change the schedule"},
    "sched.back": {"vi": "Quay lại", "en": "Back"},
    "sched.none": {"vi": "Chưa có lịch phát nào.", "en": "No schedule yet."},
    "sched.paused": {"vi": "Tạm dừng", "en": "Paused"},
    "sched.paused_note": {
        "vi": "Lịch đang tạm dừng: không phát cho đến khi tiếp tục.",
        "en": "Paused: nothing plays until it is resumed.",
    },
    "sched.done.created": {"vi": "Đã lưu lịch phát mới.", "en": "The schedule was saved."},
    "sched.done.changed": {"vi": "Đã lưu thay đổi.", "en": "The change was saved."},
    "sched.done.paused": {"vi": "Đã tạm dừng lịch phát.", "en": "The schedule is paused."},
    "sched.done.resumed": {"vi": "Lịch phát đã tiếp tục.", "en": "The schedule is resumed."},
    "sched.done.deleted": {"vi": "Đã xóa lịch phát.", "en": "The schedule was deleted."},
    "sched.field.title": {"vi": "Tiêu đề", "en": "Title"},
    "sched.field.priority": {"vi": "Mức ưu tiên", "en": "Priority class"},
    "sched.field.volume": {"vi": "Âm lượng (0–100)", "en": "Volume (0–100)"},
    "sched.field.volume_blank": {"vi": "theo cụm loa", "en": "the cluster's"},
    "sched.field.volume_hint": {
        "vi": "Để trống: mỗi cụm loa phát ở âm lượng đã đặt cho nó (trang Cài đặt loa).",
        "en": "Blank: each cluster plays at the volume set for it (Loudspeaker settings page).",
    },
    "sched.form.volume_invalid": {
        "vi": "Âm lượng phải là một số nguyên từ 0 đến 100.",
        "en": "The volume must be a whole number from 0 to 100.",
    },
    "sched.change.volume": {"vi": "Âm lượng", "en": "Volume"},
    "sched.volume.cluster": {"vi": "theo cài đặt của từng cụm loa", "en": "each cluster's own"},
    "sched.field.when": {"vi": "Thời gian phát", "en": "When"},
    "sched.field.targets": {"vi": "Nơi phát", "en": "Where"},
    "sched.field.content": {"vi": "Nội dung", "en": "Content"},
    "sched.field.next": {"vi": "Lần phát tới", "en": "Next"},
    "sched.title_hint": {"vi": "Ví dụ: Bản tin sáng", "en": "e.g. Morning bulletin"},
    "sched.has_problems": {
        "vi": "Chưa lưu được: xem các lỗi ghi bên dưới từng mục.",
        "en": "Not saved: see the problems under each part.",
    },
    "sched.kind.file": {
        "vi": "Tệp âm thanh trong thư viện",
        "en": "An audio file from the library",
    },
    "sched.kind.tts": {"vi": "Đọc văn bản (TTS)", "en": "Text read out (TTS)"},
    "sched.kind.relay": {"vi": "Tiếp sóng", "en": "Relay"},
    "sched.file": {"vi": "Tệp", "en": "File"},
    "sched.choose_file": {"vi": "— Chọn tệp —", "en": "— Choose a file —"},
    "sched.no_files": {
        "vi": "Thư viện của xã chưa có tệp nào.",
        "en": "The commune's library has no file yet.",
    },
    "sched.library_link": {"vi": "Mở thư viện âm thanh", "en": "Open the audio library"},
    "sched.text": {"vi": "Văn bản sẽ được đọc", "en": "Text to read out"},
    "sched.voice": {"vi": "Giọng đọc", "en": "Voice"},
    "sched.voice.vi": {"vi": "Tiếng Việt", "en": "Vietnamese"},
    "sched.voice.en": {"vi": "Tiếng Anh", "en": "English"},
    "sched.url": {"vi": "Địa chỉ luồng tiếp sóng", "en": "Stream URL"},
    "sched.duration": {"vi": "Thời lượng", "en": "Slot length"},
    "sched.seconds": {"vi": "giây", "en": "s"},
    "sched.duration_hint": {
        "vi": "Để trống: lấy theo độ dài tệp, hoặc ước tính theo văn bản.",
        "en": "Leave empty: the file's length, or an estimate from the text.",
    },
    "sched.start": {"vi": "Phát lần đầu (giờ Việt Nam)", "en": "First time (Vietnam time)"},
    "sched.repeat.once": {"vi": "Một lần", "en": "Once"},
    "sched.repeat.daily": {"vi": "Hằng ngày", "en": "Daily"},
    "sched.repeat.workdays": {"vi": "Các ngày trong tuần (T2–T6)", "en": "Weekdays (Mon–Fri)"},
    "sched.repeat.weekly": {"vi": "Chọn ngày trong tuần", "en": "Chosen weekdays"},
    "sched.repeat.monthly": {"vi": "Hằng tháng", "en": "Monthly"},
    "sched.repeat.advanced": {"vi": "Nâng cao (RRULE)", "en": "Advanced (RRULE)"},
    "sched.ends": {"vi": "Kết thúc", "en": "Ends"},
    "sched.ends.never": {"vi": "Không kết thúc", "en": "Never"},
    "sched.ends.until": {"vi": "Đến ngày", "en": "On a day"},
    "sched.ends.count": {"vi": "Sau số lần", "en": "After a number of times"},
    "sched.until": {"vi": "Đến hết ngày", "en": "Until the end of"},
    "sched.count": {"vi": "Số lần phát", "en": "Times"},
    "sched.skips": {"vi": "Không phát vào các ngày", "en": "Not on these days"},
    "sched.skip_add": {"vi": "Thêm ngày", "en": "Add a day"},
    "sched.skips_hint": {
        "vi": "Ngày lễ, ngày nghỉ: bỏ chọn để phát lại vào ngày đó.",
        "en": "Holidays: untick a day to play on it again.",
    },
    "sched.targets_hint": {
        "vi": "Không chọn gì: phát trên toàn {name}. Chọn thôn để phát trên mọi cụm loa của thôn.",
        "en": "Nothing ticked: all of {name}. A village ticked: every cluster in it.",
    },
    "sched.other_clusters": {"vi": "Cụm loa khác", "en": "Other clusters"},
    "sched.priority.normal": {"vi": "Thông thường", "en": "Normal"},
    "sched.priority.priority": {"vi": "Ưu tiên", "en": "Priority"},
    "sched.priority.emergency": {"vi": "Khẩn cấp", "en": "Emergency"},
    "sched.priority_means.normal": {
        "vi": "Chương trình thường ngày của xã, phát đúng giờ đã định.",
        "en": "The commune's everyday programme, played at its hour.",
    },
    "sched.priority_means.priority": {
        "vi": "Được phát trước các tin thông thường khi trùng giờ (TT39).",
        "en": "Goes ahead of normal items when they meet (TT39).",
    },
    "sched.priority_means.emergency": {
        "vi": "Phát ngay và ngắt mọi nội dung đang phát (thiên tai, sự cố khẩn cấp; TT39).",
        "en": "Plays at once and interrupts whatever is playing (disasters, emergencies; TT39).",
    },
    "sched.preview": {"vi": "Xem trước", "en": "Preview"},
    "sched.preview_incomplete": {
        "vi": "Điền nội dung và thời gian để xem các lần phát và các lịch bị trùng.",
        "en": "Fill in the content and the time to see when it plays and what it meets.",
    },
    "sched.slot": {"vi": "mỗi lần {slot}", "en": "{slot} each time"},
    "sched.no_occurrence": {"vi": "Không còn lần phát nào.", "en": "It plays no more."},
    "sched.collisions": {"vi": "Trùng giờ với lịch khác", "en": "Collisions with other schedules"},
    "sched.collides_with": {"vi": "Trùng với", "en": "Meets"},
    "sched.no_collision": {
        "vi": "Không trùng với lịch nào trong 90 ngày tới.",
        "en": "No collision in the next 90 days.",
    },
    "sched.first.this": {"vi": "Lịch này phát trước.", "en": "This one plays first."},
    "sched.first.other": {"vi": "Lịch kia phát trước.", "en": "The other plays first."},
    "sched.first.same": {
        "vi": "Cùng mức ưu tiên: lịch bắt đầu trước được phát, lịch kia chờ.",
        "en": "Same class: the one starting first plays, the other waits.",
    },
    "sched.clusters_n": {"vi": "{n} cụm loa", "en": "{n} loudspeaker clusters"},
    "sched.deleted_note": {
        "vi": "Lịch này đã bị xóa; các phiên bản của nó vẫn được lưu.",
        "en": "This schedule was deleted; its versions are kept.",
    },
    "sched.revision": {"vi": "Phiên bản", "en": "Revision"},
    "sched.created_by": {"vi": "tạo bởi", "en": "created by"},
    "sched.pause": {"vi": "Tạm dừng", "en": "Pause"},
    "sched.resume": {"vi": "Tiếp tục phát", "en": "Resume"},
    "sched.delete": {"vi": "Xóa lịch", "en": "Delete"},
    "sched.delete_confirm": {"vi": "Tôi chắc chắn muốn xóa", "en": "I am sure"},
    "sched.delete_unconfirmed": {
        "vi": "Hãy đánh dấu ô xác nhận trước khi xóa.",
        "en": "Tick the confirmation before deleting.",
    },
    "sched.upcoming": {"vi": "Các lần phát tới", "en": "Next times it plays"},
    "sched.on_calendar": {"vi": "Xem trên lịch phát", "en": "See it on the calendar"},
    "sched.log_link": {
        "vi": "Xem nhật ký phát của lịch này",
        "en": "See this schedule's playout log",
    },
    "sched.versions": {"vi": "Lịch sử thay đổi", "en": "Versions"},
    "sched.version_at": {"vi": "Lúc", "en": "When"},
    "sched.version_by": {"vi": "Người thay đổi", "en": "Who"},
    "sched.version_what": {"vi": "Thay đổi", "en": "What changed"},
    "sched.before_versions": {
        "vi": "(trước khi lưu phiên bản)",
        "en": "(before versions were kept)",
    },
    "sched.form.file_missing": {"vi": "Hãy chọn một tệp.", "en": "Choose a file."},
    "sched.form.text_missing": {"vi": "Hãy nhập văn bản cần đọc.", "en": "Enter the text to read."},
    "sched.form.duration_invalid": {
        "vi": "Thời lượng không hợp lệ.",
        "en": "Not a valid length.",
    },
    "sched.form.weekdays_missing": {
        "vi": "Hãy chọn ít nhất một ngày trong tuần.",
        "en": "Choose at least one weekday.",
    },
    "sched.form.count_invalid": {
        "vi": "Số lần phát phải là số từ 1 trở lên.",
        "en": "The number of times must be 1 or more.",
    },
    "sched.form.skip_invalid": {
        "vi": "Có ngày bỏ qua không hợp lệ.",
        "en": "A skipped day is not valid.",
    },
    "sched.problem.title": {"vi": "Hãy nhập tiêu đề.", "en": "Enter a title."},
    "sched.problem.shorter_than_file": {
        "vi": "Thời lượng ngắn hơn tệp",
        "en": "The slot is shorter than the file",
    },
    "sched.problem.duration": {
        "vi": "Thời lượng phải trên 0 và không quá 4 giờ.",
        "en": "The slot must be above 0 and at most 4 hours.",
    },
    "sched.problem.file_unknown": {
        "vi": "Tệp này không có trong thư viện của xã.",
        "en": "This file is not in the commune's library.",
    },
    "sched.problem.url": {
        "vi": "Địa chỉ tiếp sóng phải bắt đầu bằng http://, https:// hoặc rtsp://.",
        "en": "The stream URL must start with http://, https:// or rtsp://.",
    },
    "sched.problem.zone": {"vi": "Thôn không thuộc xã", "en": "Not a village of the commune"},
    "sched.problem.cluster_planned": {
        "vi": "Cụm loa mới trong kế hoạch, chưa lắp đặt",
        "en": "The cluster is planned, not installed",
    },
    "sched.problem.cluster": {
        "vi": "Cụm loa không thuộc xã",
        "en": "Not a loudspeaker cluster of the commune",
    },
    "sched.problem.no_clusters": {
        "vi": "Nơi đã chọn chưa có cụm loa nào được lắp đặt.",
        "en": "No installed loudspeaker cluster there.",
    },
    "sched.problem.commune": {"vi": "Xã không hợp lệ", "en": "Not a valid commune"},
    "sched.problem.skip_many": {
        "vi": "Bỏ qua nhiều nhất 366 ngày: hãy đổi quy tắc lặp.",
        "en": "At most 366 skipped days: change the rule instead.",
    },
    "sched.problem.too_often": {
        "vi": "Lịch phát lặp nhiều nhất mỗi giờ một lần.",
        "en": "A schedule repeats at most hourly.",
    },
    "sched.when_once": {"vi": "{at} ngày {date}", "en": "{at} on {date}"},
    "sched.when": {"vi": "{at} {rule}", "en": "{at} {rule}"},
    "sched.from_day": {"vi": "từ ngày {date}", "en": "from {date}"},
    "sched.and_more": {"vi": "và {n} ngày khác", "en": "and {n} more"},
    "sched.skipping": {"vi": "trừ {days}", "en": "except {days}"},
    "sched.whole_commune": {"vi": "Toàn {name}", "en": "All of {name}"},
    "sched.file_unnamed": {"vi": "Tệp {id}", "en": "File {id}"},
    "sched.spoken": {"vi": "Đọc: “{text}”", "en": "Read out: “{text}”"},
    "sched.relayed": {"vi": "Tiếp sóng {url}", "en": "Relay of {url}"},
    "sched.change.created": {"vi": "Tạo mới", "en": "Created"},
    "sched.change.deleted": {"vi": "Đã xóa", "en": "Deleted"},
    "sched.change.title": {"vi": "Tiêu đề", "en": "Title"},
    "sched.change.content": {"vi": "Nội dung", "en": "Content"},
    "sched.change.when": {"vi": "Thời gian phát", "en": "When"},
    "sched.change.targets": {"vi": "Nơi phát", "en": "Where"},
    "sched.change.priority": {"vi": "Mức ưu tiên", "en": "Priority class"},
    "sched.change.paused": {"vi": "Tạm dừng", "en": "Paused"},
    "sched.change.resumed": {"vi": "Tiếp tục phát", "en": "Resumed"},
    "sched.change.nothing": {"vi": "Lưu lại, không đổi gì", "en": "Saved again, unchanged"},
    "rule.workdays": {"vi": "Các ngày trong tuần (T2–T6)", "en": "Weekdays (Mon–Fri)"},
    "speech.listen": {"vi": "Nghe thử", "en": "Listen"},
    "speech.wait": {"vi": "Đang chuẩn bị giọng đọc…", "en": "Preparing the speech…"},
    "speech.lasts": {"vi": "Đọc hết khoảng {s} giây.", "en": "It takes about {s} s to read."},
    "speech.failed": {"vi": "Không tạo được giọng đọc.", "en": "The speech could not be made."},
    "speech.hint": {
        "vi": "Nghe thử dùng cùng giọng espeak-ng mà gateway truyền thanh sẽ đọc.",
        "en": "Listen uses the same espeak-ng voice the radio gateway will speak with.",
    },
    "speech.no_text": {"vi": "Chưa có văn bản để đọc.", "en": "There is no text to read."},
    "speech.too_long": {
        "vi": "Văn bản quá dài để nghe thử (tối đa 5.000 ký tự).",
        "en": "The text is too long to listen to (at most 5,000 characters).",
    },
    "speech.bad_voice": {"vi": "Giọng đọc không hợp lệ.", "en": "Not a valid voice."},
    "speech.no_program": {
        "vi": "Máy chủ chưa cài espeak-ng nên chưa nghe thử được; "
        "gateway truyền thanh vẫn đọc bằng chương trình của nó.",
        "en": "espeak-ng is not installed on the server, so listening is not possible here; "
        "the gateway still speaks with its own.",
    },
    # -- radio: the media library and the recorder --
    "radio.media.tab": {"vi": "Thư viện âm thanh", "en": "Audio library"},
    "radio.media.title": {"vi": "Thư viện âm thanh", "en": "Audio library"},
    "radio.media.intro": {
        "vi": "Các tệp âm thanh xã dùng được trong lịch phát: nghe thử, xem lịch nào đang dùng, "
        "tải tệp mới lên.",
        "en": "The audio files this commune's schedules may play: listen, see which schedules "
        "use them, upload new ones.",
    },
    "radio.media.upload": {"vi": "Tải tệp lên", "en": "Upload a file"},
    "radio.media.drop": {
        "vi": "Kéo thả tệp âm thanh vào đây, hoặc bấm để chọn tệp",
        "en": "Drop audio files here, or click to choose",
    },
    "radio.media.kinds": {
        "vi": "MP3, WAV, OGG, M4A…; tối đa 4 giờ và {mb} MB mỗi tệp.",
        "en": "MP3, WAV, OGG, M4A…; up to 4 hours and {mb} MB a file.",
    },
    "radio.media.send": {"vi": "Tải lên", "en": "Upload"},
    "radio.media.every_commune": {
        "vi": "Tệp quản trị viên tải lên dùng được ở mọi xã.",
        "en": "A file an administrator uploads may be used in every commune.",
    },
    "radio.media.read_only": {
        "vi": "Tài khoản của bạn chỉ được xem và nghe, không tải tệp lên ở xã này.",
        "en": "Your account may listen here, not upload.",
    },
    "radio.media.detail": {"vi": "Chi tiết kỹ thuật", "en": "Technical detail"},
    "radio.media.files": {"vi": "Các tệp", "en": "Files"},
    "radio.media.unnamed": {"vi": "(không tên)", "en": "(no name)"},
    "radio.media.duration": {"vi": "Thời lượng", "en": "Length"},
    "radio.media.size": {"vi": "Dung lượng", "en": "Size"},
    "radio.media.uploaded": {"vi": "Tải lên bởi {by}, {at}", "en": "Uploaded by {by}, {at}"},
    "radio.media.done": {"vi": "Vừa tải lên.", "en": "Just uploaded."},
    "radio.media.used_in": {"vi": "Dùng trong lịch phát:", "en": "Used in schedules:"},
    "radio.media.unused": {
        "vi": "Chưa dùng trong lịch phát nào.",
        "en": "Not used in any schedule.",
    },
    "radio.media.paused": {"vi": "đang tạm dừng", "en": "paused"},
    "radio.media.use_once": {"vi": "lúc {at}", "en": "at {at}"},
    "radio.media.use_repeats": {"vi": "lặp lại, từ {at}", "en": "repeating, from {at}"},
    "radio.media.schedule_it": {"vi": "Dùng trong lịch phát mới", "en": "Use in a new schedule"},
    "radio.media.none": {
        "vi": "Xã chưa có tệp âm thanh nào.",
        "en": "This commune has no audio file yet.",
    },
    "radio.media.refused.too_large": {
        "vi": "Tệp quá lớn: mỗi tệp tối đa 200 MB.",
        "en": "The file is too large: at most 200 MB a file.",
    },
    "radio.media.refused.not_audio": {
        "vi": "Tệp này không phải tệp âm thanh (MP3, WAV, OGG, M4A…) hoặc dài quá 4 giờ: "
        "máy chủ không nhận.",
        "en": "This is not an audio file (MP3, WAV, OGG, M4A…) or it lasts over 4 hours: "
        "the server refused it.",
    },
    "radio.media.refused.forbidden": {
        "vi": "Tài khoản của bạn không được tải tệp lên.",
        "en": "Your account may not upload files.",
    },
    "radio.media.refused.no_file": {
        "vi": "Chưa chọn tệp nào.",
        "en": "No file was chosen.",
    },
    "radio.media.refused.other": {
        "vi": "Máy chủ không nhận tệp này.",
        "en": "The server did not accept this file.",
    },
    "radio.media.js.uploading": {"vi": "Đang tải lên", "en": "Uploading"},
    "radio.media.js.checking": {
        "vi": "Đã gửi xong, máy chủ đang kiểm tra tệp…",
        "en": "Sent; the server is checking the file…",
    },
    "radio.media.js.uploaded": {
        "vi": "Đã tải lên: {name} ({duration})",
        "en": "Uploaded: {name} ({duration})",
    },
    "radio.media.js.session": {
        "vi": "Phiên đăng nhập đã hết hoặc đã đổi: hãy tải lại trang rồi thử lại.",
        "en": "Your session ended or changed: reload the page and try again.",
    },
    "radio.media.js.network": {
        "vi": "Mất kết nối tới máy chủ khi đang tải lên: hãy thử lại.",
        "en": "The connection to the server was lost during the upload: try again.",
    },
    "radio.media.js.detail": {"vi": "Chi tiết kỹ thuật", "en": "Technical detail"},
    "radio.record.tab": {"vi": "Ghi âm", "en": "Record"},
    "radio.record.title": {"vi": "Ghi âm và phát", "en": "Record and broadcast"},
    "radio.record.intro": {
        "vi": "Nói thông báo vào micro của máy tính hoặc điện thoại, nghe lại, rồi lưu vào thư "
        "viện hoặc phát ngay trên loa của xã.",
        "en": "Speak an announcement into the computer's or phone's microphone, listen to it, "
        "then keep it in the library or broadcast it now on the commune's loudspeakers.",
    },
    "radio.record.needs_js": {
        "vi": "Ghi âm cần JavaScript: hãy bật JavaScript trong trình duyệt.",
        "en": "Recording needs JavaScript: turn it on in the browser.",
    },
    "radio.record.read_only": {
        "vi": "Tài khoản của bạn chỉ được xem, không ghi âm hay phát ở xã này.",
        "en": "Your account may only look here, not record or broadcast.",
    },
    "radio.record.start": {"vi": "● Bắt đầu ghi âm", "en": "● Start recording"},
    "radio.record.stop": {"vi": "■ Dừng ghi", "en": "■ Stop"},
    "radio.record.level": {"vi": "Mức âm thanh", "en": "Sound level"},
    "radio.record.listen": {"vi": "Nghe lại", "en": "Listen"},
    "radio.record.again": {"vi": "Ghi lại từ đầu", "en": "Record again"},
    "radio.record.name": {"vi": "Tên thông báo", "en": "Announcement's name"},
    "radio.record.keep_h": {"vi": "Lưu để phát sau", "en": "Keep it for later"},
    "radio.record.save": {"vi": "Lưu vào thư viện", "en": "Save to the library"},
    "radio.record.now_h": {"vi": "Phát ngay", "en": "Broadcast now"},
    "radio.record.where": {"vi": "Phát ở đâu", "en": "Where"},
    "radio.record.whole": {"vi": "Toàn {commune}", "en": "All of {commune}"},
    "radio.record.some": {"vi": "Chỉ các thôn chọn dưới đây:", "en": "Only the villages below:"},
    "radio.record.class": {"vi": "Mức ưu tiên", "en": "Class"},
    "radio.record.priority": {"vi": "Ưu tiên", "en": "Priority"},
    "radio.record.priority_help": {
        "vi": "phát ngay khi loa rảnh, trước các bản tin thường đang chờ; không ngắt bản tin "
        "đang phát, không phát khi loa đang được lệnh im lặng",
        "en": "plays as soon as the loudspeakers are free, ahead of waiting normal items; "
        "never interrupts what plays, and keeps quiet under a silence order",
    },
    "radio.record.emergency": {"vi": "Khẩn cấp", "en": "Emergency"},
    "radio.record.emergency_help": {
        "vi": "ngắt mọi thứ đang phát và phát ngay, kể cả khi loa đang được lệnh im lặng; chỉ "
        "dùng cho thiên tai, sự cố",
        "en": "interrupts whatever plays and plays at once, even through a silence order; "
        "for disasters and incidents only",
    },
    "radio.record.broadcast": {"vi": "▶ Phát ngay", "en": "▶ Broadcast now"},
    "radio.record.confirm": {"vi": "Xác nhận phát", "en": "Confirm"},
    "radio.record.cancel": {"vi": "Huỷ", "en": "Cancel"},
    "radio.record.help": {
        "vi": "Khi trình duyệt không cho dùng micro",
        "en": "When the browser refuses the microphone",
    },
    "radio.record.help.denied": {
        "vi": "Đã bấm “Chặn”: bấm biểu tượng ổ khoá bên trái địa chỉ trang, chọn Micro → Cho "
        "phép, rồi tải lại trang.",
        "en": "You clicked “Block”: click the padlock left of the address, set Microphone to "
        "Allow, then reload the page.",
    },
    "radio.record.help.no_device": {
        "vi": "Không có micro: cắm micro hoặc tai nghe có micro, rồi tải lại trang.",
        "en": "No microphone: plug in a microphone or a headset, then reload the page.",
    },
    "radio.record.help.busy": {
        "vi": "Micro đang bận: đóng các chương trình khác đang dùng micro (Zalo, Zoom…).",
        "en": "The microphone is busy: close the other programs using it (Zalo, Zoom…).",
    },
    "radio.record.help.https": {
        "vi": "Trình duyệt chỉ cho dùng micro trên trang có địa chỉ https:// (hoặc trên chính "
        "máy chủ, localhost). Nếu địa chỉ bắt đầu bằng http://, hãy báo quản trị viên bật "
        "https cho xaso.",
        "en": "Browsers allow the microphone only on https:// pages (or on the server itself, "
        "localhost). If the address starts with http://, ask the administrator to serve "
        "xaso over https.",
    },
    "radio.record.help.browser": {
        "vi": "Dùng Chrome, Edge, Firefox hoặc Safari bản mới; trình duyệt cũ không ghi âm được.",
        "en": "Use a recent Chrome, Edge, Firefox or Safari; old browsers cannot record.",
    },
    "radio.record.js.denied": {
        "vi": "Trình duyệt đã chặn micro. Bấm biểu tượng ổ khoá bên trái địa chỉ trang, chọn "
        "Micro → Cho phép, rồi tải lại trang.",
        "en": "The browser blocked the microphone. Click the padlock left of the address, set "
        "Microphone to Allow, then reload the page.",
    },
    "radio.record.js.no_device": {
        "vi": "Không tìm thấy micro. Cắm micro hoặc tai nghe có micro rồi thử lại.",
        "en": "No microphone found. Plug one in (or a headset) and try again.",
    },
    "radio.record.js.busy": {
        "vi": "Không mở được micro: có thể chương trình khác đang dùng nó.",
        "en": "The microphone could not be opened: another program may be using it.",
    },
    "radio.record.js.insecure": {
        "vi": "Trang này không mở bằng https:// nên trình duyệt không cho dùng micro. Hãy báo "
        "quản trị viên bật https cho xaso.",
        "en": "This page is not on https://, so the browser does not allow the microphone. "
        "Ask the administrator to serve xaso over https.",
    },
    "radio.record.js.unsupported": {
        "vi": "Trình duyệt này không ghi âm được: dùng Chrome, Edge, Firefox hoặc Safari bản mới.",
        "en": "This browser cannot record: use a recent Chrome, Edge, Firefox or Safari.",
    },
    "radio.record.js.convert_failed": {
        "vi": "Không chuyển được bản ghi sang WAV: hãy ghi lại.",
        "en": "The recording could not be converted to WAV: record it again.",
    },
    "radio.record.js.empty": {
        "vi": "Bản ghi trống hoặc quá ngắn: hãy ghi lại.",
        "en": "The recording is empty or too short: record it again.",
    },
    "radio.record.js.too_long": {
        "vi": "Đã dừng: mỗi bản ghi tối đa {minutes} phút.",
        "en": "Stopped: a recording lasts at most {minutes} minutes.",
    },
    "radio.record.js.facts": {
        "vi": "Thời lượng {duration}, {size}",
        "en": "Length {duration}, {size}",
    },
    "radio.record.js.default_name": {
        "vi": "Thông báo ghi âm {at}",
        "en": "Recorded announcement {at}",
    },
    "radio.record.js.uploading": {"vi": "Đang tải bản ghi lên…", "en": "Uploading the recording…"},
    "radio.record.js.saved": {
        "vi": "Đã lưu vào thư viện: {name} ({duration}).",
        "en": "Saved to the library: {name} ({duration}).",
    },
    "radio.record.js.to_library": {"vi": "Mở thư viện âm thanh", "en": "Open the audio library"},
    "radio.record.js.pick_zone": {
        "vi": "Hãy chọn ít nhất một thôn, hoặc chọn toàn xã.",
        "en": "Choose at least one village, or the whole commune.",
    },
    "radio.record.js.confirm": {
        "vi": "Phát ngay bản ghi “{name}” ({duration}), mức {klass}, trên: {where}?",
        "en": "Broadcast “{name}” ({duration}) now, class {klass}, on: {where}?",
    },
    "radio.record.js.priority": {"vi": "Ưu tiên", "en": "Priority"},
    "radio.record.js.emergency": {"vi": "Khẩn cấp", "en": "Emergency"},
    "radio.record.js.whole": {"vi": "toàn {commune}", "en": "all of {commune}"},
    "radio.record.js.sending": {"vi": "Đang gửi lệnh phát…", "en": "Sending the broadcast…"},
    "radio.record.js.sent": {
        "vi": "Đã gửi lệnh phát “{name}” tới {clusters} cụm loa.",
        "en": "“{name}” was sent to {clusters} loudspeaker clusters.",
    },
    "radio.record.js.not_sent": {
        "vi": "Chưa gửi được tới {gateways} gateway (mất kết nối máy chủ–gateway): chúng sẽ "
        "nhận khi kết nối trở lại, nếu còn kịp.",
        "en": "Not sent yet to {gateways} gateways (the server's link is down): they get it "
        "when it returns, if still in time.",
    },
    "radio.record.js.see_schedule": {"vi": "Xem lịch phát này", "en": "See this schedule"},
    "radio.record.js.refused": {
        "vi": "Máy chủ không nhận lệnh phát:",
        "en": "The server refused the broadcast:",
    },
    "radio.record.js.upload_refused": {
        "vi": "Máy chủ không nhận bản ghi.",
        "en": "The server refused the recording.",
    },
    "radio.record.js.session": {
        "vi": "Phiên đăng nhập đã hết hoặc đã đổi: hãy tải lại trang (bản ghi sẽ mất).",
        "en": "Your session ended or changed: reload the page (the recording will be lost).",
    },
    "radio.record.js.network": {
        "vi": "Mất kết nối tới máy chủ: hãy thử lại.",
        "en": "The connection to the server was lost: try again.",
    },
    "radio.record.js.detail": {"vi": "Chi tiết kỹ thuật", "en": "Technical detail"},
    # -- radio: emergency and silence now, the gateways' schedules --
    "radio.now.tab": {"vi": "Phát ngay / Im lặng", "en": "Emergency / silence now"},
    "radio.now.title": {"vi": "Phát khẩn cấp và dừng phát ngay", "en": "Emergency and silence now"},
    "radio.gateways.tab": {"vi": "Lịch trên gateway", "en": "Gateways' schedules"},
    "radio.gateways.title": {"vi": "Lịch phát trên các gateway", "en": "The gateways' schedules"},
    "now.emergency.button": {"vi": "PHÁT KHẨN CẤP", "en": "EMERGENCY BROADCAST"},
    "now.silence.button": {"vi": "DỪNG PHÁT / IM LẶNG", "en": "STOP / SILENCE"},
    "now.emergency.hint": {
        "vi": "Phát ngay, ngắt mọi bản tin đang phát trên các cụm loa đã chọn (Thông tư "
        "39/2020/TT-BTTTT). Bước sau cho xem lại trước khi gửi.",
        "en": "Plays at once and interrupts whatever plays on the chosen clusters (Circular "
        "39/2020/TT-BTTTT). The next step shows it again before it is sent.",
    },
    "now.silence.hint": {
        "vi": "Không phát gì trên các cụm loa đã chọn trong thời gian này; bản tin đang phát "
        "bị dừng ngay. Bước sau cho xem lại trước khi gửi.",
        "en": "Nothing plays on the chosen clusters for this long; what plays stops at once. "
        "The next step shows it again before it is sent.",
    },
    "now.zone": {"vi": "Phát tới", "en": "Where"},
    "now.zone.commune": {"vi": "Toàn xã", "en": "The whole commune"},
    "now.zone.villages": {"vi": "Các thôn đã chọn", "en": "Chosen villages"},
    "now.zone.clusters": {"vi": "Các cụm loa đã chọn", "en": "Chosen clusters"},
    "now.zone.pick_clusters": {"vi": "Chọn cụm loa", "en": "Pick clusters"},
    "now.zone.hint": {
        "vi": "Chỉ các ô của lựa chọn đang bật được tính.",
        "en": "Only the boxes of the chosen option count.",
    },
    "now.zone.whole": {"vi": "Toàn xã {commune}", "en": "The whole of {commune}"},
    "now.clusters_n": {"vi": "{n} cụm loa", "en": "{n} clusters"},
    "now.content": {"vi": "Nội dung", "en": "Content"},
    "now.content.tts": {"vi": "Đọc văn bản (gateway đọc)", "en": "Text spoken by the gateway"},
    "now.content.file": {"vi": "Tệp trong thư viện", "en": "A file from the library"},
    "now.text": {"vi": "Văn bản cần đọc", "en": "Text to speak"},
    "now.speech_minutes": {"vi": "Thời lượng (phút)", "en": "Length (minutes)"},
    "now.file": {"vi": "Tệp âm thanh", "en": "Audio file"},
    "now.no_files": {
        "vi": "Thư viện của xã chưa có tệp nào.",
        "en": "The commune's library has no file yet.",
    },
    "now.title_field": {"vi": "Tên bản tin", "en": "Title"},
    "now.title_example": {"vi": "Cảnh báo lũ", "en": "Flood warning"},
    "now.emergency.next": {"vi": "Xem lại trước khi phát", "en": "Review before sending"},
    "now.silence.next": {"vi": "Xem lại trước khi dừng", "en": "Review before silencing"},
    "now.silence.for": {"vi": "Im lặng trong", "en": "Silent for"},
    "now.minutes_n": {"vi": "{n} phút", "en": "{n} min"},
    "now.custom": {"vi": "Khác", "en": "Other"},
    "now.custom_minutes": {"vi": "Số phút (tối đa 1440)", "en": "Minutes (at most 1440)"},
    "now.minutes_unit": {"vi": "phút", "en": "min"},
    "now.reason": {"vi": "Lý do", "en": "Reason"},
    "now.reason_example": {"vi": "Lễ tang ở thôn 2", "en": "A funeral in village 2"},
    "now.problems": {"vi": "Chưa gửi được:", "en": "Not sent:"},
    "now.form.no_village": {"vi": "Hãy chọn ít nhất một thôn.", "en": "Tick at least one village."},
    "now.form.no_cluster": {
        "vi": "Hãy chọn ít nhất một cụm loa.",
        "en": "Tick at least one cluster.",
    },
    "now.form.no_clusters": {
        "vi": "Vùng đã chọn không có cụm loa nào đang hoạt động.",
        "en": "The chosen zone has no installed cluster.",
    },
    "now.form.no_text": {"vi": "Hãy nhập văn bản cần đọc.", "en": "Type the text to speak."},
    "now.form.bad_speech_minutes": {
        "vi": "Thời lượng đọc phải từ 0,5 đến 240 phút.",
        "en": "The speech's length must be 0.5 to 240 minutes.",
    },
    "now.form.no_file": {"vi": "Hãy chọn một tệp âm thanh.", "en": "Choose an audio file."},
    "now.form.no_title": {"vi": "Hãy đặt tên bản tin.", "en": "Give the broadcast a title."},
    "now.form.bad_silence_minutes": {
        "vi": "Thời gian im lặng phải từ 1 đến 1440 phút (một ngày).",
        "en": "The silence must last 1 to 1440 minutes (a day).",
    },
    "now.emergency.confirm_title": {
        "vi": "Xác nhận phát khẩn cấp",
        "en": "Confirm the emergency broadcast",
    },
    "now.silence.confirm_title": {"vi": "Xác nhận dừng phát", "en": "Confirm the silence"},
    "now.emergency.to": {"vi": "Phát khẩn cấp tới:", "en": "Emergency broadcast to:"},
    "now.silence.to": {"vi": "Dừng phát, im lặng tại:", "en": "Stop and keep silent at:"},
    "now.starts": {"vi": "Bắt đầu", "en": "Starts"},
    "now.starts_now": {
        "vi": "Ngay khi gửi, ngắt bản tin đang phát",
        "en": "As soon as it is sent, interrupting what plays",
    },
    "now.emergency.warning": {
        "vi": "Mọi loa của vùng này sẽ phát ngay. Kiểm tra kỹ vùng và nội dung.",
        "en": "Every loudspeaker of this zone plays at once. Check the zone and the content.",
    },
    "now.silence.warning": {
        "vi": "Mọi loa của vùng này sẽ dừng ngay, kể cả bản tin đang phát.",
        "en": "Every loudspeaker of this zone stops at once, what plays included.",
    },
    "now.emergency.send": {"vi": "XÁC NHẬN PHÁT KHẨN CẤP", "en": "CONFIRM: BROADCAST NOW"},
    "now.silence.send": {"vi": "XÁC NHẬN DỪNG PHÁT", "en": "CONFIRM: SILENCE NOW"},
    "now.edit": {"vi": "Quay lại sửa", "en": "Back to change it"},
    "now.done.emergency": {
        "vi": "Đã gửi lệnh phát khẩn cấp. Theo dõi từng cụm loa bên dưới.",
        "en": "The emergency broadcast was sent. Follow each cluster below.",
    },
    "now.done.silence": {
        "vi": "Đã gửi lệnh im lặng. Theo dõi từng cụm loa bên dưới.",
        "en": "The silence order was sent. Follow each cluster below.",
    },
    "now.done.stopped": {
        "vi": "Đã gửi lệnh dừng phát khẩn cấp tới mọi cụm loa của nó.",
        "en": "The order to stop the emergency broadcast was sent to all its clusters.",
    },
    "now.done.lifted": {"vi": "Đã bỏ lệnh im lặng.", "en": "The silence order was lifted."},
    "now.unsent": {
        "vi": "Máy chủ đang mất kết nối với broker: gateway sẽ nhận lệnh khi kết nối trở lại.",
        "en": "The server's broker link is down: the gateways get it when it returns.",
    },
    "now.read_only": {
        "vi": "Tài khoản này chỉ được xem, không được phát hay dừng phát.",
        "en": "This account may only look, not broadcast nor silence.",
    },
    "now.live.title": {"vi": "Đang diễn ra", "en": "Under way"},
    "now.live.none": {
        "vi": "Không có lệnh phát khẩn cấp hay im lặng nào trong 30 phút qua.",
        "en": "No emergency broadcast or silence in the last 30 minutes.",
    },
    "now.store_down": {
        "vi": "Không đọc được nhật ký phát: chưa biết các sự kiện phát mới nhất.",
        "en": "The broadcast log cannot be read: the latest events are unknown.",
    },
    "now.kind.emergency": {"vi": "Khẩn cấp", "en": "Emergency"},
    "now.silence.title": {"vi": "Lệnh im lặng", "en": "Silence order"},
    "now.state.running": {"vi": "Đang trong giờ phát", "en": "In its slot"},
    "now.state.ended": {"vi": "Đã hết giờ phát", "en": "Its slot is over"},
    "now.state.stopped": {"vi": "Đã dừng theo lệnh", "en": "Stopped on order"},
    "now.state.in_force": {"vi": "Đang có hiệu lực", "en": "In force"},
    "now.state.lifted": {"vi": "Đã bỏ", "en": "Lifted"},
    "now.state.over": {"vi": "Đã hết hạn", "en": "Over"},
    "now.when.emergency": {"vi": "từ {start}, dài {length}", "en": "from {start}, {length} long"},
    "now.when.silence": {"vi": "từ {start} đến {end}", "en": "from {start} to {end}"},
    "now.lifted_at": {"vi": "bỏ lúc {at}", "en": "lifted at {at}"},
    "now.by": {"vi": "Người ra lệnh: {by}", "en": "Ordered by {by}"},
    "now.ended_by.emergency": {"vi": "dừng bởi {by}", "en": "stopped by {by}"},
    "now.ended_by.silence": {"vi": "bỏ bởi {by}", "en": "lifted by {by}"},
    "now.counts.emergency": {
        "vi": "{reached}/{n} cụm loa đã nhận đủ lệnh và nội dung · {playing} đang phát",
        "en": "{reached}/{n} clusters hold it and its content · {playing} playing",
    },
    "now.counts.silence": {
        "vi": "{reached}/{n} cụm loa đã nhận lệnh · {playing} đang phát",
        "en": "{reached}/{n} clusters got the order · {playing} playing",
    },
    "now.stop.emergency": {"vi": "DỪNG PHÁT KHẨN CẤP NÀY", "en": "STOP THIS EMERGENCY"},
    "now.stop.silence": {"vi": "Bỏ lệnh im lặng", "en": "Lift the silence"},
    "now.stop_hint.emergency": {
        "vi": "Dừng ngay trên mọi cụm loa của nó (lệnh im lặng đến hết giờ phát) và thu hồi "
        "lịch, để không gateway nào phát lại.",
        "en": "Stops at once on all its clusters (a silence until its slot ends) and "
        "withdraws it, so that no gateway plays it later.",
    },
    "now.stop_hint.silence": {
        "vi": "Các cụm loa phát lại theo lịch.",
        "en": "The clusters play their schedule again.",
    },
    "now.col.cluster": {"vi": "Cụm loa", "en": "Cluster"},
    "now.col.gateway": {"vi": "Gateway", "en": "Gateway"},
    "now.col.reached": {"vi": "Nhận lệnh", "en": "Reached"},
    "now.col.playing": {"vi": "Phát bây giờ", "en": "Playing now"},
    "now.col.last_event": {"vi": "Sự kiện phát mới nhất", "en": "Last broadcast event"},
    "now.gateway_offline": {"vi": "Mất kết nối", "en": "Offline"},
    "now.not_playing": {"vi": "không phát", "en": "not playing"},
    "now.reached.ready": {"vi": "Đã nhận, sẵn sàng phát", "en": "Received, ready to play"},
    "now.reached.set": {
        "vi": "Đã nhận lịch, đang chuẩn bị nội dung",
        "en": "Schedule received, content being prepared",
    },
    "now.reached.not_yet": {"vi": "Chưa nhận", "en": "Not yet"},
    "now.reached.order": {"vi": "Đã nhận lệnh", "en": "Received"},
    "now.reached.lift": {"vi": "Đã nhận lệnh bỏ", "en": "The lift received"},
    "now.reached.lift_not_yet": {"vi": "Chưa nhận lệnh bỏ", "en": "The lift not received yet"},
    "now.reached.over": {"vi": "—", "en": "—"},
    "now.event.received": {"vi": "Đã nhận", "en": "Received"},
    "now.event.started": {"vi": "Bắt đầu phát", "en": "Started"},
    "now.event.finished": {"vi": "Phát xong", "en": "Finished"},
    "now.event.failed": {"vi": "Lỗi phát", "en": "Failed"},
    "now.event.preempted": {"vi": "Bị ngắt", "en": "Interrupted"},
    "now.event.skipped": {"vi": "Không phát", "en": "Skipped"},
    "now.event_reason.silenced": {"vi": "theo lệnh im lặng", "en": "silence order"},
    "now.event_reason.withdrawn": {"vi": "lịch đã thu hồi", "en": "withdrawn"},
    "now.event_reason.changed": {"vi": "lịch đã sửa", "en": "edited"},
    "now.event_reason.too_late": {"vi": "quá muộn", "en": "too late"},
    "rgw.intro": {
        "vi": "Mỗi gateway phát thanh của xã: có giữ đúng bản lịch mới nhất và đủ âm thanh "
        "không, chậm từ khi nào.",
        "en": "Each radio gateway of the commune: whether it holds the latest schedule set "
        "and its audio, and since when it is behind.",
    },
    "rgw.all_details": {"vi": "Mọi chi tiết gateway", "en": "All of the gateways' details"},
    "rgw.store_down": {
        "vi": "Không đọc được nhật ký phát: chưa biết gateway đã nhận âm thanh nào.",
        "en": "The broadcast log cannot be read: which audio the gateways hold is unknown.",
    },
    "rgw.none": {
        "vi": "Xã này không có gateway phát thanh.",
        "en": "This commune has no radio gateway.",
    },
    "rgw.sync.in_sync": {"vi": "Đúng lịch mới nhất", "en": "Up to date"},
    "rgw.sync.behind": {"vi": "Chậm lịch", "en": "Behind"},
    "rgw.sync.not_reported": {"vi": "Chưa báo bản lịch", "en": "No set reported"},
    "rgw.sync.none_due": {"vi": "Chưa có lịch", "en": "No set due"},
    "rgw.last_heartbeat": {"vi": "Tín hiệu cuối", "en": "Last heartbeat"},
    "rgw.behind_since": {"vi": "Chậm từ", "en": "Behind since"},
    "rgw.behind_unknown": {
        "vi": "không rõ (bản lịch có từ trước khi máy chủ khởi động)",
        "en": "unknown (a set from before the server started)",
    },
    "rgw.due": {"vi": "Bản lịch cần giữ", "en": "Set due"},
    "rgw.due_since": {"vi": "từ", "en": "since"},
    "rgw.held": {"vi": "Bản lịch đang giữ", "en": "Set held"},
    "rgw.horizon": {"vi": "Lịch đang giữ có đến", "en": "The held set lists until"},
    "rgw.horizon_passed": {"vi": "đã hết lịch", "en": "run out"},
    "rgw.content_missing": {
        "vi": "Tệp âm thanh chưa tải về (gateway báo)",
        "en": "Audio files not fetched yet (the gateway says)",
    },
    "rgw.audio": {"vi": "Âm thanh của bản lịch cần giữ", "en": "The audio of the set due"},
    "rgw.audio_unknown": {"vi": "Chưa biết.", "en": "Unknown."},
    "rgw.no_items": {"vi": "Bản lịch không có bản tin nào.", "en": "The set lists no broadcast."},
    "rgw.item": {"vi": "Bản tin", "en": "Broadcast"},
    "rgw.content": {"vi": "Nội dung", "en": "Content"},
    "rgw.confirmed": {"vi": "Đã xác nhận", "en": "Confirmed"},
    "rgw.confirmed_n": {"vi": "{n}/{total} cụm loa", "en": "{n}/{total} clusters"},
    "rgw.missing": {"vi": "Chưa có trên", "en": "Missing on"},
    # -- radio: the loudspeakers' settings (volume, standing relay) --
    "radio.settings.tab": {"vi": "Cài đặt loa", "en": "Loudspeaker settings"},
    "rs.title": {"vi": "Cài đặt loa", "en": "Loudspeaker settings"},
    "rs.intro": {
        "vi": "Âm lượng từng cụm loa và tiếp sóng thường xuyên Đài tỉnh hoặc Đài Trung ương. "
        "Các gateway truyền thanh nhận cài đặt cùng với bộ lịch phát.",
        "en": "Each cluster's volume and the standing relay of the provincial or central "
        "station. The radio gateways get the settings with their schedule set.",
    },
    "rs.done.volumes": {"vi": "Đã lưu âm lượng.", "en": "Volumes saved."},
    "rs.done.relay": {"vi": "Đã lưu tiếp sóng thường xuyên.", "en": "Standing relay saved."},
    "rs.done.relay_removed": {
        "vi": "Đã xóa tiếp sóng thường xuyên.",
        "en": "Standing relay removed.",
    },
    "rs.sent": {
        "vi": "Gateway truyền thanh nhận cài đặt cùng bộ lịch phát: đã gửi tới {sent} gateway, "
        "{waiting} gateway sẽ nhận khi có kết nối lại.",
        "en": "The radio gateways get it with their schedule set: sent to {sent}, "
        "{waiting} will get it when the connection returns.",
    },
    "rs.problems": {"vi": "Chưa lưu được:", "en": "Not saved:"},
    "rs.changed": {
        "vi": "Thay đổi lần cuối bởi {who} lúc {when}.",
        "en": "Last changed by {who} on {when}.",
    },
    "rs.volumes": {"vi": "Âm lượng các cụm loa", "en": "Cluster volumes"},
    "rs.volumes_hint": {
        "vi": "Từ 0 đến 100. Để trống: cụm loa dùng âm lượng cấu hình trên gateway. "
        "Âm lượng riêng của một lịch phát được ưu tiên hơn.",
        "en": "From 0 to 100. Left empty: the cluster plays at its gateway's configured "
        "volume. A schedule's own volume goes first.",
    },
    "rs.village": {"vi": "Thôn", "en": "Village"},
    "rs.cluster": {"vi": "Cụm loa", "en": "Cluster"},
    "rs.reported": {"vi": "Âm lượng báo về", "en": "Reported volume"},
    "rs.not_reported": {"vi": "Chưa báo", "en": "Not reported"},
    "rs.volume_set": {"vi": "Âm lượng đặt", "en": "Volume set"},
    "rs.volume_of": {"vi": "Âm lượng của {cluster}", "en": "Volume of {cluster}"},
    "rs.gateway_volume": {"vi": "Theo gateway", "en": "Gateway's"},
    "rs.no_clusters": {
        "vi": "Xã chưa có cụm loa nào được lắp đặt.",
        "en": "The commune has no installed loudspeaker cluster.",
    },
    "rs.save_volumes": {"vi": "Lưu âm lượng", "en": "Save volumes"},
    "rs.relay": {"vi": "Tiếp sóng thường xuyên", "en": "Standing relay"},
    "rs.relay_hint": {
        "vi": "Phát luồng của Đài tỉnh hoặc Đài Trung ương trong khung giờ hằng ngày. "
        "Mọi bản tin (thường, ưu tiên, khẩn cấp) và lệnh dừng đều ngắt tiếp sóng; "
        "tiếp sóng tự phát lại sau đó cho đến hết khung giờ.",
        "en": "Plays the provincial or central station's stream during daily hours. Every "
        "bulletin (normal, priority, emergency) and every silence cuts in; the relay comes "
        "back afterwards until the end of its hours.",
    },
    "rs.no_relay": {
        "vi": "Chưa có tiếp sóng thường xuyên.",
        "en": "No standing relay yet.",
    },
    "rs.relay_state": {"vi": "Trạng thái", "en": "State"},
    "rs.on": {"vi": "Đang bật", "en": "On"},
    "rs.off": {"vi": "Đang tắt", "en": "Off"},
    "rs.relay_title": {"vi": "Tên", "en": "Title"},
    "rs.hours": {"vi": "Khung giờ", "en": "Hours"},
    "rs.next_day": {"vi": "(hôm sau)", "en": "(next day)"},
    "rs.every_day": {"vi": "hằng ngày", "en": "every day"},
    "rs.source": {"vi": "Nguồn", "en": "Source"},
    "rs.source.provincial": {"vi": "Đài tỉnh", "en": "Provincial station"},
    "rs.source.central": {"vi": "Đài Trung ương", "en": "Central station"},
    "rs.source.commune": {"vi": "Đài xã", "en": "Commune station"},
    "rs.url": {"vi": "Địa chỉ luồng phát", "en": "Stream URL"},
    "rs.targets": {"vi": "Nơi phát", "en": "Where"},
    "rs.targets_hint": {
        "vi": "Không chọn gì: cả xã.",
        "en": "Nothing chosen: the whole commune.",
    },
    "rs.whole_commune": {"vi": "Cả xã", "en": "The whole commune"},
    "rs.villages": {"vi": "Thôn", "en": "Villages"},
    "rs.clusters": {"vi": "Cụm loa", "en": "Clusters"},
    "rs.from": {"vi": "Từ", "en": "From"},
    "rs.to": {"vi": "Đến", "en": "To"},
    "rs.weekdays": {"vi": "Các ngày", "en": "Days"},
    "rs.weekdays_hint": {
        "vi": "Không chọn ngày nào: hằng ngày.",
        "en": "No day chosen: every day.",
    },
    "rs.on_label": {"vi": "Bật tiếp sóng", "en": "Relay on"},
    "rs.save_relay": {"vi": "Lưu tiếp sóng", "en": "Save relay"},
    "rs.remove_relay": {"vi": "Xóa tiếp sóng", "en": "Remove relay"},
    "rs.problem.volume": {
        "vi": "Âm lượng của {cluster} phải là số nguyên từ 0 đến 100",
        "en": "The volume of {cluster} must be a whole number from 0 to 100",
    },
    "rs.problem.url": {
        "vi": "Địa chỉ luồng phải bắt đầu bằng http://, https:// hoặc rtsp://",
        "en": "The stream URL must start with http://, https:// or rtsp://",
    },
    "rs.problem.url_missing": {
        "vi": "Cần nhập địa chỉ luồng phát",
        "en": "Give the stream URL",
    },
    "rs.problem.start_time": {"vi": "Giờ bắt đầu không hợp lệ", "en": "The start time is wrong"},
    "rs.problem.end_time": {
        "vi": "Giờ kết thúc không hợp lệ hoặc trùng giờ bắt đầu",
        "en": "The end time is wrong or equals the start time",
    },
    "rs.problem.targets": {
        "vi": "Nơi phát không thuộc xã hoặc không có cụm loa đã lắp đặt",
        "en": "Where it plays is not in the commune or has no installed cluster",
    },
    "rs.problem.weekdays": {"vi": "Mỗi ngày chỉ chọn một lần", "en": "Each day only once"},
    "rs.problem.title": {"vi": "Tên quá dài", "en": "The title is too long"},
    # -- radio: the playout log --
    "radio.log.tab": {"vi": "Nhật ký phát thanh", "en": "Playout log"},
    "log.title": {"vi": "Nhật ký phát thanh", "en": "Playout log"},
    "log.period": {"vi": "Thời gian", "en": "Period"},
    "log.period_days": {"vi": "Từ {first} đến {last}", "en": "{first} to {last}"},
    "log.this_month": {"vi": "Tháng này", "en": "This month"},
    "log.last_month": {"vi": "Tháng trước", "en": "Last month"},
    "log.from": {"vi": "Từ ngày", "en": "From"},
    "log.to": {"vi": "Đến hết ngày", "en": "To (included)"},
    "log.zone": {"vi": "Khu vực", "en": "Zone"},
    "log.zone_all": {"vi": "Cả xã", "en": "The whole commune"},
    "log.villages": {"vi": "Thôn", "en": "Villages"},
    "log.clusters": {"vi": "Cụm loa", "en": "Loudspeaker clusters"},
    "log.outcome": {"vi": "Kết quả", "en": "Outcome"},
    "log.outcome_hint": {
        "vi": "(không chọn: tất cả)",
        "en": "(none ticked: all of them)",
    },
    "log.apply": {"vi": "Xem", "en": "Show"},
    "log.summary": {"vi": "Tổng hợp", "en": "Summary"},
    "log.total": {"vi": "{n} lượt phát theo cụm loa", "en": "{n} lines (one per cluster)"},
    "log.shown": {"vi": "Đang hiện {n} trên {total} lượt", "en": "Showing {n} of {total} lines"},
    "log.all_statuses": {"vi": "Xem mọi kết quả", "en": "Show every outcome"},
    "log.csv": {"vi": "Tải CSV", "en": "Download CSV"},
    "log.schedule": {"vi": "Lịch phát", "en": "Schedule"},
    "log.schedule_remove": {"vi": "Xem mọi lịch phát", "en": "Show every schedule"},
    "log.print": {"vi": "Bản in", "en": "Printable page"},
    "log.lines": {"vi": "Các buổi phát", "en": "Broadcasts"},
    "log.occurrences": {"vi": "{n} buổi", "en": "{n} broadcasts"},
    "log.none": {
        "vi": "Không có buổi phát nào trong khoảng thời gian và bộ lọc đã chọn.",
        "en": "No broadcast in this period with these filters.",
    },
    "log.cluster": {"vi": "Cụm loa (thôn)", "en": "Cluster (village)"},
    "log.status": {"vi": "Kết quả", "en": "Outcome"},
    "log.started": {"vi": "Bắt đầu thực tế", "en": "Started"},
    "log.ended": {"vi": "Kết thúc thực tế", "en": "Ended"},
    "log.played_s": {"vi": "Đã phát (giây)", "en": "Played (s)"},
    "log.preempted_by": {"vi": "Bị ngắt bởi", "en": "Pre-empted by"},
    "log.error": {"vi": "Lỗi", "en": "Error"},
    "log.entered_by": {"vi": "Người nhập", "en": "Entered by"},
    "log.note": {"vi": "Ghi chú", "en": "Note"},
    "log.optional": {"vi": "(không bắt buộc)", "en": "(optional)"},
    "log.delete_entry": {"vi": "Xóa mục nhập tay này", "en": "Delete this entry"},
    "log.proof": {
        "vi": "Xem bằng chứng phát từng cụm loa",
        "en": "Proof of play, cluster by cluster",
    },
    "log.pages": {"vi": "Trang", "en": "Pages"},
    "log.previous": {"vi": "Trang trước", "en": "Previous"},
    "log.next": {"vi": "Trang sau", "en": "Next"},
    "log.page_of": {"vi": "Trang {page}/{pages}", "en": "Page {page} of {pages}"},
    "log.entry_title": {"vi": "Ghi buổi phát trực tiếp", "en": "Record a live announcement"},
    "log.entry_hint": {
        "vi": "Buổi đọc trực tiếp qua micrô tại đài không để lại dấu vết trên thiết bị: "
        "ghi lại tại đây để có trong nhật ký.",
        "en": "Speaking live into the station's microphone leaves no trace on any gateway: "
        "record it here so that the log shows it.",
    },
    "log.entry_problems": {"vi": "Chưa ghi được:", "en": "Not recorded:"},
    "log.entry_name": {"vi": "Nội dung (tên bản tin)", "en": "What was announced"},
    "log.entry_start": {"vi": "Bắt đầu", "en": "Start"},
    "log.entry_end": {"vi": "Kết thúc", "en": "End"},
    "log.entry_where": {"vi": "Phát tới", "en": "Heard in"},
    "log.entry_some": {"vi": "Một số thôn, cụm loa:", "en": "Some villages or clusters:"},
    "log.entry_save": {"vi": "Ghi vào nhật ký", "en": "Add to the log"},
    "log.done.added": {
        "vi": "Đã ghi buổi phát trực tiếp vào nhật ký.",
        "en": "The live announcement is in the log.",
    },
    "log.done.deleted": {"vi": "Đã xóa mục nhập tay.", "en": "The entry was deleted."},
    "log.problem.date": {
        "vi": "Ngày không đúng dạng: đang hiện tháng này.",
        "en": "A date could not be read: showing this month.",
    },
    "log.problem.order": {
        "vi": "Ngày cuối phải sau ngày đầu: đang hiện tháng này.",
        "en": "The last day must come after the first: showing this month.",
    },
    "log.problem.too_long": {
        "vi": "Mỗi lần xem tối đa 92 ngày: đang hiện tháng này.",
        "en": "At most 92 days at a time: showing this month.",
    },
    "log.problem.zone": {
        "vi": "Khu vực không thuộc xã này: đang hiện cả xã.",
        "en": "That zone is not this commune's: showing the whole commune.",
    },
    "log.problem.schedule": {
        "vi": "Mã lịch phát không đúng dạng: đang hiện mọi lịch phát.",
        "en": "The schedule's id could not be read: showing every schedule.",
    },
    "log.problem.status": {
        "vi": "Có kết quả không rõ trong bộ lọc: đã bỏ qua.",
        "en": "An unknown outcome in the filter was left out.",
    },
    "log.problem.pick_zone": {
        "vi": "Chọn ít nhất một thôn hoặc cụm loa, hoặc chọn “Cả xã”.",
        "en": "Tick at least one village or cluster, or choose “The whole commune”.",
    },
    "log.problem.commune": {"vi": "Không có xã này.", "en": "No such commune."},
    "log.problem.zones": {
        "vi": "Thôn đã chọn không thuộc xã này.",
        "en": "A village ticked is not this commune's.",
    },
    "log.problem.clusters": {
        "vi": "Cụm loa đã chọn không thuộc xã này hoặc chưa lắp đặt.",
        "en": "A cluster ticked is not this commune's, or is not installed yet.",
    },
    "log.problem.end_before_start": {
        "vi": "Giờ kết thúc phải sau giờ bắt đầu.",
        "en": "The end must come after the start.",
    },
    "log.problem.too_long_entry": {
        "vi": "Một buổi phát trực tiếp quá dài: kiểm tra lại giờ bắt đầu và kết thúc.",
        "en": "Too long for one announcement: check the start and the end.",
    },
    "log.problem.end": {
        "vi": "Chưa nhập giờ kết thúc, hoặc giờ không đúng.",
        "en": "The end is missing or cannot be read.",
    },
    "log.problem.future": {
        "vi": "Giờ bắt đầu ở tương lai: nhật ký chỉ ghi buổi phát đã diễn ra.",
        "en": "The start is in the future: the log records announcements already made.",
    },
    "log.problem.start": {
        "vi": "Chưa nhập giờ bắt đầu, hoặc giờ không đúng.",
        "en": "The start is missing or cannot be read.",
    },
    "log.problem.title_empty": {
        "vi": "Chưa nhập nội dung buổi phát.",
        "en": "Say what was announced.",
    },
    "log.problem.title_long": {
        "vi": "Nội dung tối đa 200 ký tự.",
        "en": "What was announced: at most 200 characters.",
    },
    "log.problem.note_long": {
        "vi": "Ghi chú tối đa 2000 ký tự.",
        "en": "The note: at most 2000 characters.",
    },
    "log.error.content_missing": {
        "vi": "Thiết bị chưa có nội dung để phát",
        "en": "The gateway did not have the content",
    },
    "log.error.tts_failed": {
        "vi": "Không chuyển được văn bản thành giọng đọc",
        "en": "The text could not be turned into speech",
    },
    "log.error.unsupported_content": {
        "vi": "Thiết bị không phát được loại nội dung này",
        "en": "The gateway cannot play this kind of content",
    },
    "log.error.too_late": {
        "vi": "Quá giờ phát, thiết bị bỏ qua",
        "en": "Too late to play: skipped",
    },
    "log.error.preempted_too_late": {
        "vi": "Bị ngắt, quá giờ để phát tiếp",
        "en": "Pre-empted, too late to resume",
    },
    "log.error.withdrawn": {
        "vi": "Lịch đã bị rút trước giờ phát",
        "en": "Withdrawn before it was due",
    },
    "log.error.silenced": {"vi": "Dừng theo lệnh tắt loa", "en": "Stopped by a silence order"},
    "log.error.overrun": {
        "vi": "Phát quá thời lượng, thiết bị dừng lại",
        "en": "Ran past its slot and was stopped",
    },
    "log.error.player_error": {"vi": "Trình phát báo lỗi", "en": "The player reported an error"},
    "log.error.player_failed": {"vi": "Trình phát bị lỗi", "en": "The player failed"},
    "log.error.relay_failed": {"vi": "Không tiếp sóng được", "en": "The relay failed"},
    "log.error.agent_restarted": {
        "vi": "Thiết bị khởi động lại giữa buổi phát (có thể do mất điện)",
        "en": "The gateway restarted during the broadcast (a power cut?)",
    },
    "log.error.agent_stopped": {
        "vi": "Phần mềm trên thiết bị dừng giữa buổi phát",
        "en": "The gateway's software stopped during the broadcast",
    },
    "log.error.store_refused": {
        "vi": "Thiết bị không lưu được trạng thái phát",
        "en": "The gateway could not save its playout state",
    },
    "log.error.no_end_reported": {
        "vi": "Thiết bị không báo kết thúc",
        "en": "The gateway never reported the end",
    },
    "log.error.failed": {"vi": "Phát lỗi", "en": "Failed"},
    "log.print_title": {"vi": "NHẬT KÝ PHÁT THANH", "en": "PLAYOUT LOG"},
    "log.print_back": {"vi": "Về nhật ký", "en": "Back to the log"},
    "log.print_now": {"vi": "In", "en": "Print"},
    "log.print_hint": {
        "vi": "Hoặc nhấn Ctrl+P. Khổ giấy A4.",
        "en": "Or press Ctrl+P. A4 paper.",
    },
    "log.print_authority": {"vi": "UBND {name}", "en": "PEOPLE'S COMMITTEE OF {name}"},
    "log.print_nation": {
        "vi": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "en": "SOCIALIST REPUBLIC OF VIET NAM",
    },
    "log.print_motto": {
        "vi": "Độc lập - Tự do - Hạnh phúc",
        "en": "Independence - Freedom - Happiness",
    },
    "log.printed_at": {"vi": "In lúc", "en": "Printed at"},
    "log.times_local": {"vi": "giờ Việt Nam", "en": "Viet Nam time"},
    "log.count": {"vi": "Số lượt", "en": "Lines"},
    "log.total_lines": {"vi": "Tổng cộng", "en": "Total"},
    "log.print_cut": {
        "vi": "Chỉ in {n} trên {total} lượt: chọn khoảng thời gian ngắn hơn hoặc lọc theo kết quả.",
        "en": "Only {n} of {total} lines are printed: choose a shorter period or filter.",
    },
    "log.number": {"vi": "STT", "en": "No."},
    "log.planned": {"vi": "Giờ phát theo lịch", "en": "Planned"},
    "log.bulletin": {"vi": "Bản tin", "en": "Bulletin"},
    "log.class": {"vi": "Mức ưu tiên", "en": "Priority"},
    "log.actual": {"vi": "Giờ phát thực tế", "en": "Actual"},
    "log.remarks": {"vi": "Ghi chú", "en": "Remarks"},
    "log.sign_date": {
        "vi": "{place}, ngày {day} tháng {month} năm {year}",
        "en": "{place}, {day}/{month}/{year}",
    },
    "log.sign_maker": {"vi": "Người lập", "en": "Prepared by"},
    "log.sign_how": {"vi": "(Ký, ghi rõ họ tên)", "en": "(signature and full name)"},
    "log.sign_leader": {"vi": "Lãnh đạo UBND xã", "en": "For the commune's People's Committee"},
    "log.sign_how_seal": {
        "vi": "(Ký, ghi rõ họ tên, đóng dấu)",
        "en": "(signature, full name and seal)",
    },
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
    "admin.done.contact": {
        "vi": "Đã lưu nơi nhận cảnh báo của người dùng.",
        "en": "Where they get their alerts is saved.",
    },
    # Tài khoản của tôi (/account) and the alert contact form (contact_change.py).
    "me.title": {"vi": "Tài khoản của tôi", "en": "My account"},
    "me.login": {"vi": "Tên đăng nhập", "en": "Login"},
    "me.saved": {"vi": "Đã lưu nơi nhận cảnh báo.", "en": "Where you get alerts is saved."},
    "contact.title": {"vi": "Nhận cảnh báo", "en": "Getting alerts"},
    "contact.intro": {
        "vi": "Cảnh báo của các xã bạn phụ trách được gửi tới các địa chỉ dưới đây, "
        "ngoài các kênh chung. Để trống những kênh bạn không dùng.",
        "en": "Alerts of your communes go to the addresses below, besides the shared "
        "channels. Leave empty the ones you do not use.",
    },
    "contact.addresses": {"vi": "Địa chỉ nhận", "en": "Addresses"},
    "contact.zalo_phone": {"vi": "Zalo — số điện thoại", "en": "Zalo — phone number"},
    "contact.zalo_phone.hint": {
        "vi": "Số di động đăng ký Zalo, ví dụ 0912 345 678 (tin ZNS).",
        "en": "The mobile number of your Zalo account, e.g. 0912 345 678 (ZNS message).",
    },
    "contact.zalo_user_id": {"vi": "Zalo — mã người quan tâm OA", "en": "Zalo — OA follower id"},
    "contact.zalo_user_id.hint": {
        "vi": "Dùng khi không có số điện thoại: mã Official Account của tỉnh cấp cho bạn.",
        "en": "Used without a phone number: the id the province's Official Account gave you.",
    },
    "contact.sms_phone": {"vi": "SMS — số di động", "en": "SMS — mobile number"},
    "contact.sms_phone.hint": {
        "vi": "Tin nhắn ngắn: chỉ tiêu đề cảnh báo.",
        "en": "A short message: the alert's subject only.",
    },
    "contact.email": {"vi": "Thư điện tử", "en": "E-mail"},
    "contact.email.hint": {
        "vi": "Ví dụ canbo@xuanhong.gov.vn.",
        "en": "E.g. canbo@xuanhong.gov.vn.",
    },
    "contact.telegram_chat": {"vi": "Telegram — mã cuộc trò chuyện", "en": "Telegram — chat id"},
    "contact.telegram_chat.hint": {
        "vi": "Nhắn /start cho bot của hệ thống trước, rồi điền mã số (hoặc @tên kênh).",
        "en": "Send /start to the system's bot first, then give the number (or @channel).",
    },
    "contact.off": {
        "vi": "(Quản trị viên chưa bật kênh này: địa chỉ được lưu, chưa gửi.)",
        "en": "(Not enabled by the administrator yet: kept, not sent to.)",
    },
    "contact.severities": {"vi": "Mức độ muốn nhận", "en": "Severities"},
    "contact.kinds": {"vi": "Loại cảnh báo muốn nhận", "en": "Kinds of alert"},
    "contact.save": {"vi": "Lưu", "en": "Save"},
    "contact.error.phone": {
        "vi": "Số điện thoại không đúng: cần số di động Việt Nam, ví dụ 0912 345 678.",
        "en": "Not a Vietnamese mobile number (e.g. 0912 345 678).",
    },
    "contact.error.zalo_user": {
        "vi": "Mã người quan tâm Zalo chỉ gồm chữ số.",
        "en": "A Zalo follower id is digits only.",
    },
    "contact.error.email": {
        "vi": "Địa chỉ thư điện tử không đúng.",
        "en": "Not an e-mail address.",
    },
    "contact.error.telegram": {
        "vi": "Mã cuộc trò chuyện Telegram là một số (hoặc @tên kênh).",
        "en": "A Telegram chat id is a number (or @channel).",
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
    "admin.action.account.contact": {
        "vi": "Đổi nơi nhận cảnh báo",
        "en": "Alert addresses changed",
    },
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
    "cause.recording_gap": {"vi": "Đầu ghi mất ghi hình", "en": "Recording gap at the recorder"},
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
    # -- indicators: the section (server/web/pages/indicators_shared.py) --
    "ind.overview.tab": {"vi": "Tổng quan", "en": "Overview"},
    "ind.commune": {"vi": "Xã / phường", "en": "Commune"},
    "ind.show": {"vi": "Xem", "en": "Show"},
    "ind.period": {"vi": "Kỳ đánh giá", "en": "Period"},
    "ind.period.kind": {"vi": "Loại kỳ", "en": "Kind of period"},
    "ind.period.kind.quarter": {"vi": "Quý", "en": "Quarter"},
    "ind.period.kind.month": {"vi": "Tháng", "en": "Month"},
    "ind.period.kind.year": {"vi": "Năm", "en": "Year"},
    "ind.period.kind.custom": {"vi": "Tùy chọn", "en": "Custom"},
    "ind.period.year": {"vi": "Năm", "en": "Year"},
    "ind.period.quarter": {"vi": "Quý", "en": "Quarter"},
    "ind.period.month": {"vi": "Tháng", "en": "Month"},
    "ind.period.first": {"vi": "Từ ngày", "en": "From"},
    "ind.period.last": {"vi": "Đến ngày", "en": "To"},
    "ind.period.earlier": {"vi": "← Kỳ trước", "en": "← Previous"},
    "ind.period.later": {"vi": "Kỳ sau →", "en": "Next →"},
    # -- indicators: the overview --
    # (server/web/pages/indicators_overview.py, indicators_trend.py)
    "ind.overview.title": {"vi": "Tổng quan chỉ tiêu", "en": "Indicators overview"},
    "ind.overview.area": {"vi": "Địa bàn", "en": "Area"},
    "ind.overview.all_areas": {"vi": "Mọi xã được giao", "en": "Every commune in scope"},
    "ind.overview.legend": {"vi": "Chú giải", "en": "Legend"},
    "ind.overview.summary": {
        "vi": "{communes} xã/phường: {all_met} đạt mọi chỉ tiêu, {not_met} có chỉ tiêu "
        "chưa đạt, {insufficient} còn thiếu dữ liệu",
        "en": "{communes} communes: {all_met} meet every indicator, {not_met} miss at "
        "least one, {insufficient} lack data",
    },
    "ind.overview.caption": {
        "vi": "Kết quả từng chỉ tiêu của mỗi xã, {period}",
        "en": "Each commune's verdict on each indicator, {period}",
    },
    "ind.overview.counts": {"vi": "Số xã", "en": "Communes"},
    "ind.overview.trend": {
        "vi": "Xu hướng qua các kỳ",
        "en": "The trend over the periods",
    },
    "ind.overview.commune_trend": {"vi": "xu hướng", "en": "trend"},
    "ind.overview.open_report": {
        "vi": "Mở báo cáo của xã, chỉ tiêu {indicator}",
        "en": "Open the commune's report at {indicator}",
    },
    "ind.overview.not_evaluated": {
        "vi": "Không đánh giá chỉ tiêu này cho xã trong kỳ",
        "en": "Not evaluated for this commune in the period",
    },
    "ind.overview.indicators": {"vi": "Các chỉ tiêu", "en": "The indicators"},
    "ind.overview.indicators_note": {
        "vi": "Tên ngắn trên đầu bảng là tên gọn của chỉ tiêu; tên đầy đủ ở đây. Mỗi mã mở "
        "xu hướng của chỉ tiêu.",
        "en": "The table's headers give each indicator's short name; here is its full "
        "name. Each code opens the indicator's trend.",
    },
    "ind.overview.code": {"vi": "Mã", "en": "Code"},
    "ind.overview.name": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "ind.overview.none": {
        "vi": "Không có xã nào trong phạm vi của bạn thuộc địa bàn này trong kỳ.",
        "en": "No commune of your scope lies in this area in the period.",
    },
    "ind.overview.home_link": {
        "vi": "Chỉ tiêu hạ tầng số, {period} →",
        "en": "Digital infrastructure indicators, {period} →",
    },
    # Each indicator's short name, for the overview's narrow columns: the default
    # catalogue's (server/indicators/default-profile.yaml); a renamed or new indicator
    # shows its own name, shortened.
    "ind.short.R1": {"vi": "Đài truyền thanh", "en": "Radio station"},
    "ind.short.R2": {"vi": "Loa các thôn", "en": "Village speakers"},
    "ind.short.R3": {"vi": "Số cụm loa", "en": "Cluster count"},
    "ind.short.R6": {"vi": "Loa hoạt động", "en": "Speaker uptime"},
    "ind.short.R8": {"vi": "Tần suất phát", "en": "Broadcast days"},
    "ind.short.R9": {"vi": "Phát khẩn cấp", "en": "Emergency ready"},
    "ind.short.C1": {"vi": "Camera an ninh", "en": "Security cameras"},
    "ind.short.C2": {"vi": "Điểm trọng yếu", "en": "Key locations"},
    "ind.short.C3": {"vi": "Camera hoạt động", "en": "Camera uptime"},
    "ind.short.N5": {"vi": "Họp trực tuyến", "en": "Video meetings"},
    "ind.short.N1": {"vi": "Phủ sóng 4G", "en": "4G coverage"},
    "ind.short.N2": {"vi": "Cáp quang", "en": "Fibre"},
    "ind.short.N3": {"vi": "Wi-Fi công cộng", "en": "Public Wi-Fi"},
    "ind.short.N4": {"vi": "Máy tính cán bộ", "en": "Officials' PCs"},
    "ind.short.N6": {"vi": "Internet hộ gia đình", "en": "Home broadband"},
    "ind.trend.title": {"vi": "Xu hướng chỉ tiêu", "en": "Indicator trend"},
    "ind.trend.back": {"vi": "← Tổng quan", "en": "← Overview"},
    "ind.trend.all": {"vi": "Mọi chỉ tiêu", "en": "Every indicator"},
    "ind.trend.of_indicator": {"vi": "Theo chỉ tiêu", "en": "By indicator"},
    "ind.trend.of_commune": {"vi": "Theo xã", "en": "By commune"},
    "ind.trend.periods": {"vi": "Số kỳ", "en": "Periods shown"},
    "ind.trend.periods_option": {"vi": "{n} kỳ gần nhất", "en": "The last {n}"},
    "ind.trend.heading_all": {
        "vi": "Số xã theo kết quả của từng chỉ tiêu, {first} – {last}",
        "en": "Communes by verdict on each indicator, {first} – {last}",
    },
    "ind.trend.heading_indicator": {
        "vi": "{indicator}: số xã theo kết quả, {first} – {last}",
        "en": "{indicator}: communes by verdict, {first} – {last}",
    },
    "ind.trend.heading_commune": {
        "vi": "{commune}: số chỉ tiêu theo kết quả, {first} – {last}",
        "en": "{commune}: indicators by verdict, {first} – {last}",
    },
    "ind.trend.chart_label": {
        "vi": "Biểu đồ cột chồng: {what}. {values}",
        "en": "Stacked bar chart: {what}. {values}",
    },
    "ind.trend.figures": {"vi": "Số liệu của biểu đồ", "en": "The chart's figures"},
    "ind.trend.communes_table": {
        "vi": "Kết quả của từng xã qua các kỳ",
        "en": "Each commune's verdict over the periods",
    },
    "ind.trend.indicators_table": {
        "vi": "Kết quả của từng chỉ tiêu qua các kỳ",
        "en": "Each indicator's verdict over the periods",
    },
    "ind.trend.not_listed": {
        "vi": "Xã không có trong kỳ (chưa thành lập, đã sáp nhập hoặc ngoài địa bàn)",
        "en": "The commune is not listed in the period (not yet founded, merged, or "
        "outside the area)",
    },
    "ind.trend.note": {
        "vi": "Mỗi kỳ được đánh giá với dữ liệu hiện có, theo địa giới của chính kỳ đó.",
        "en": "Each period is evaluated with the data held now, by the boundaries of that period.",
    },
    "ind.trend.no_indicator": {"vi": "Không có chỉ tiêu này", "en": "No such indicator"},
    # -- indicators: a commune's report page and sign-off --
    "ind.report.tab": {"vi": "Báo cáo xã", "en": "Commune report"},
    "ind.report.title": {
        "vi": "Báo cáo chỉ tiêu: {commune}, {period}",
        "en": "Indicator report: {commune}, {period}",
    },
    "ind.report.exports": {"vi": "Tải báo cáo", "en": "Download the report"},
    "ind.report.printable": {"vi": "Bản in (HTML)", "en": "Printable page (HTML)"},
    "ind.report.glance": {"vi": "Kết quả các chỉ tiêu", "en": "The indicators at a glance"},
    "ind.report.not_met_list": {"vi": "Chưa đạt:", "en": "Not met:"},
    "ind.report.method": {"vi": "Cách tính", "en": "How it is computed"},
    "ind.report.undeclared": {"vi": "Chưa khai báo", "en": "Not declared"},
    "ind.report.undeclared_note": {
        "vi": "Xã chưa khai báo số liệu (kèm minh chứng) của chỉ tiêu này cho kỳ.",
        "en": "The commune has not declared this indicator (with evidence) for the period.",
    },
    "ind.report.declare": {"vi": "Khai báo số liệu →", "en": "Declare a value →"},
    "ind.report.remediate": {"vi": "Kế hoạch khắc phục →", "en": "Remediation plan →"},
    "ind.report.evidence": {"vi": "Minh chứng", "en": "Evidence"},
    "ind.report.no_evidence": {
        "vi": "Chỉ tiêu này không có mục minh chứng nào.",
        "en": "This indicator lists no evidence.",
    },
    "ind.report.order_note": {
        "vi": "Mục không được tính, rồi mục chưa đủ dữ liệu, xếp trước.",
        "en": "What did not count, then what lacks data, comes first.",
    },
    "ind.report.counted.yes": {"vi": "được tính", "en": "counted"},
    "ind.report.counted.no": {"vi": "không được tính", "en": "not counted"},
    "ind.report.counted.unknown": {"vi": "chưa đủ dữ liệu", "en": "not enough data"},
    "ind.report.exclusions": {
        "vi": "Bảo trì và miễn trừ trong kỳ",
        "en": "Maintenance and excused time in the period",
    },
    "ind.report.excused.off": {
        "vi": "Thời gian được miễn trừ (mất điện lưới, thiên tai…) đang tính như mất kết nối.",
        "en": "Excused time (grid power cuts, disasters…) counts as down.",
    },
    "ind.report.excused.leave_out": {
        "vi": "Xem báo cáo loại trừ thời gian được miễn trừ",
        "en": "See the report that leaves excused time out",
    },
    "ind.report.excused.on": {
        "vi": "Báo cáo này loại trừ thời gian được miễn trừ: một báo cáo riêng, phê duyệt riêng.",
        "en": "This report leaves excused time out: a report of its own, signed off on its own.",
    },
    "ind.report.excused.count": {"vi": "Xem báo cáo thường", "en": "See the usual report"},
    "ind.report.hash": {"vi": "Mã băm minh chứng", "en": "Evidence hash"},
    "ind.signoff.title": {"vi": "Phê duyệt", "en": "Sign-off"},
    "ind.signoff.comment": {"vi": "Ý kiến của người phê duyệt", "en": "Your comment"},
    "ind.signoff.comment_hint": {
        "vi": "Không bắt buộc; tối đa 2000 ký tự. Được lưu cùng lần phê duyệt.",
        "en": "Optional; at most 2000 characters. Kept with the sign-off.",
    },
    "ind.signoff.submit": {"vi": "Phê duyệt báo cáo này", "en": "Sign off this report"},
    "ind.signoff.sign_now": {
        "vi": "Phê duyệt nội dung hiện nay",
        "en": "Sign off what it says now",
    },
    "ind.signoff.what": {
        "vi": "Bạn phê duyệt đúng nội dung trang này đang hiển thị: số liệu và minh chứng "
        "có mã băm bên dưới. Nếu dữ liệu thay đổi trước khi bạn bấm, phê duyệt sẽ không "
        "được ghi nhận và trang cho biết những gì đã thay đổi.",
        "en": "You sign off exactly what this page shows: the figures and evidence with the "
        "hash below. If the data changes before you press the button, the sign-off is not "
        "recorded and the page tells what changed.",
    },
    "ind.signoff.running": {
        "vi": "{period} chưa kết thúc: chỉ phê duyệt được khi kỳ đã qua, từ ngày {day}.",
        "en": "{period} has not ended: it can be signed off once it is over, from {day}.",
    },
    "ind.signoff.readonly": {
        "vi": "Cán bộ thẩm định (hoặc quản trị viên) phê duyệt báo cáo; tài khoản của bạn chỉ xem.",
        "en": "A verifier (or an admin) signs off reports; your account only reads them.",
    },
    "ind.signoff.done": {
        "vi": "Đã ghi nhận phê duyệt của bạn.",
        "en": "Your sign-off is recorded.",
    },
    "ind.signoff.changed": {
        "vi": "Phê duyệt chưa được ghi nhận: dữ liệu đã thay đổi từ lúc bạn mở trang. "
        "Dưới đây là những gì đã thay đổi; trang hiện số liệu mới nhất. Hãy xem lại rồi "
        "phê duyệt nội dung hiện nay.",
        "en": "The sign-off was not recorded: the data changed since you opened the page. "
        "Below is what changed; the page shows the latest figures. Look again, then sign "
        "off what it says now.",
    },
    "ind.signoff.changed_unknown": {
        "vi": "Không còn giữ nội dung lúc bạn mở trang (trang đã mở quá lâu hoặc máy chủ đã "
        "khởi động lại), nên không liệt kê được thay đổi.",
        "en": "What the page showed when you opened it is no longer kept (it was opened long "
        "ago, or the server restarted), so what changed cannot be listed.",
    },
    "ind.signoff.problem.note": {
        "vi": "Ý kiến dài quá: tối đa 2000 ký tự.",
        "en": "The comment is too long: at most 2000 characters.",
    },
    "ind.signoff.problem.sha256": {
        "vi": "Thiếu mã băm của nội dung bạn đã xem: hãy tải lại trang rồi phê duyệt.",
        "en": "The hash of what you looked at is missing: reload the page, then sign off.",
    },
    "ind.signoff.problem.other": {
        "vi": "Yêu cầu phê duyệt không hợp lệ",
        "en": "The sign-off request is not valid",
    },
    "ind.signoff.history": {"vi": "Các lần phê duyệt", "en": "Sign-offs"},
    "ind.signoff.none_yet": {
        "vi": "Chưa có lần phê duyệt nào cho báo cáo này.",
        "en": "This report has not been signed off yet.",
    },
    "ind.signoff.matches_now": {
        "vi": "Khớp với dữ liệu hiện nay",
        "en": "Matches the data now",
    },
    "ind.signoff.no_longer": {
        "vi": "Không còn khớp: dữ liệu đã thay đổi sau lần phê duyệt này",
        "en": "No longer matches: the data changed after this sign-off",
    },
    "ind.signoff.changes_since": {
        "vi": "Những gì đã thay đổi từ lần phê duyệt này ({count})",
        "en": "What changed since this sign-off ({count})",
    },
    "ind.signoff.no_comment": {"vi": "Không có ý kiến.", "en": "No comment."},
    "ind.signoff.latest": {"vi": "Gần nhất", "en": "Latest"},
    # -- indicators: declarations and documents --
    "ind.declarations.tab": {"vi": "Khai báo", "en": "Declarations"},
    "ind.declarations.title": {"vi": "Khai báo số liệu", "en": "Declared values"},
    "ind.declarations.intro": {
        "vi": "Những chỉ tiêu hệ thống giám sát không tự đo được (phủ sóng, cáp quang, "
        "Wi-Fi công cộng, máy tính của cán bộ…) do xã khai báo kèm tài liệu minh chứng. "
        "Số liệu được tính cho kỳ khi ngày áp dụng bao trùm cả kỳ.",
        "en": "What the monitoring cannot measure (coverage, fibre, public Wi-Fi, officials' "
        "computers…) the commune declares with evidence documents. A value counts for a "
        "period when its dates cover the whole period.",
    },
    "ind.declarations.indicators": {"vi": "Chỉ tiêu khai báo", "en": "Declared indicators"},
    "ind.declarations.missing": {
        "vi": "Còn thiếu {missing}/{total}",
        "en": "{missing} of {total} missing:",
    },
    "ind.declarations.missing_hint": {
        "vi": "chỉ tiêu chưa có số liệu khai báo cho {period}.",
        "en": "no value declared for {period} yet.",
    },
    "ind.declarations.complete": {
        "vi": "Đã khai báo đủ {total}/{total} chỉ tiêu.",
        "en": "All {total} indicators declared.",
    },
    "ind.declarations.no_commune_then": {
        "vi": "Xã chưa tồn tại trong kỳ này theo danh mục địa bàn.",
        "en": "The commune did not exist in this period, by the inventory.",
    },
    "ind.declarations.not_applied": {
        "vi": "Không áp dụng cho xã theo bộ chỉ tiêu",
        "en": "Not applied to the commune by its profile",
    },
    "ind.declarations.read_only": {
        "vi": "Bạn chỉ được xem. Cán bộ của xã khai báo số liệu và tải minh chứng.",
        "en": "You may read only. The commune's officers declare values and upload evidence.",
    },
    "ind.declarations.not_declared": {"vi": "Chưa khai báo", "en": "Not declared"},
    "ind.declarations.not_declared_for": {
        "vi": "Chưa khai báo số liệu cho {period}.",
        "en": "No value declared for {period}.",
    },
    "ind.declarations.target": {"vi": "Mục tiêu", "en": "Target"},
    "ind.declarations.unit": {"vi": "Đơn vị", "en": "Unit"},
    "ind.declarations.basis": {"vi": "Căn cứ", "en": "Basis"},
    "ind.declarations.yes_no": {"vi": "Khai báo Có/Không", "en": "Declared as yes or no"},
    "ind.declarations.done": {
        "vi": "Đã lưu số liệu khai báo. Báo cáo của kỳ đã tính theo số liệu này.",
        "en": "Declaration saved. The period's report now counts it.",
    },
    "ind.declarations.done_not_counted": {
        "vi": "Đã lưu số liệu khai báo, nhưng ngày áp dụng không bao trùm cả kỳ nên báo cáo "
        "của kỳ chưa tính.",
        "en": "Declaration saved, but its dates do not cover the whole period, so the "
        "period's report does not count it.",
    },
    "ind.declarations.value": {"vi": "Giá trị", "en": "Value"},
    "ind.declarations.applies": {"vi": "Áp dụng", "en": "Applies"},
    "ind.declarations.applies_from": {"vi": "từ {first}", "en": "from {first}"},
    "ind.declarations.by": {"vi": "Người khai báo", "en": "Declared by"},
    "ind.declarations.note": {"vi": "Ghi chú", "en": "Note"},
    "ind.declarations.evidence": {"vi": "Minh chứng", "en": "Evidence"},
    "ind.declarations.partial": {
        "vi": "Có khai báo {value} áp dụng {applies}, không bao trùm cả kỳ nên không được "
        "tính; hãy khai báo cho cả kỳ.",
        "en": "A value of {value} declared for {applies} does not cover the whole period, so "
        "it does not count; declare for the whole period.",
    },
    "ind.declarations.replaced": {
        "vi": "Khai báo trước đó cho kỳ này ({count}), đã được thay",
        "en": "Earlier declarations for this period ({count}), replaced",
    },
    "ind.declarations.declare": {"vi": "Khai báo số liệu", "en": "Declare a value"},
    "ind.declarations.declare_again": {
        "vi": "Khai báo lại (sửa số liệu)",
        "en": "Declare again (correct it)",
    },
    "ind.declarations.numerator": {"vi": "Số đạt (không bắt buộc)", "en": "Count met (optional)"},
    "ind.declarations.denominator": {"vi": "Trên tổng số", "en": "Out of"},
    "ind.declarations.ratio_hint": {
        "vi": "Ví dụ 19 trên 20: giá trị khi đó là 95 %.",
        "en": "E.g. 19 out of 20: the value is then 95 %.",
    },
    "ind.declarations.valid_from": {"vi": "Áp dụng từ ngày", "en": "Applies from"},
    "ind.declarations.valid_until": {"vi": "Đến ngày", "en": "Until"},
    "ind.declarations.dates_hint": {
        "vi": "Mặc định là cả kỳ đang xem. Bỏ trống “Đến ngày”: áp dụng cho đến khi có "
        "khai báo mới.",
        "en": "The period shown, by default. “Until” left empty: until a newer declaration.",
    },
    "ind.declarations.pick_documents": {
        "vi": "Chọn tài liệu đã tải lên:",
        "en": "Choose documents already uploaded:",
    },
    "ind.declarations.attach": {"vi": "Thêm tài liệu mới", "en": "Attach new documents"},
    "ind.declarations.kinds": {
        "vi": "Nhận tệp {types}, tối đa {mb} MB mỗi tệp (kiểm tra theo nội dung tệp).",
        "en": "{types} files, at most {mb} MB each (checked by their content).",
    },
    "ind.declarations.save": {"vi": "Lưu khai báo", "en": "Save the declaration"},
    "ind.declarations.documents": {"vi": "Tài liệu minh chứng", "en": "Evidence documents"},
    "ind.declarations.documents_intro": {
        "vi": "Tài liệu của các khai báo áp dụng trong kỳ, và tài liệu đã tải lên cho xã "
        "nhưng chưa gắn với khai báo nào.",
        "en": "The documents of the declarations that apply in the period, and those "
        "uploaded for the commune but not cited by any declaration yet.",
    },
    "ind.declarations.no_documents": {
        "vi": "Chưa có tài liệu minh chứng nào.",
        "en": "No evidence documents yet.",
    },
    "ind.declarations.doc.name": {"vi": "Tên tệp", "en": "File"},
    "ind.declarations.doc.kind": {"vi": "Loại", "en": "Type"},
    "ind.declarations.doc.size": {"vi": "Dung lượng", "en": "Size"},
    "ind.declarations.doc.by": {"vi": "Người tải lên", "en": "Uploaded by"},
    "ind.declarations.doc.at": {"vi": "Thời gian", "en": "Uploaded"},
    "ind.declarations.doc.for": {"vi": "Dùng cho", "en": "Backs"},
    "ind.declarations.doc.unused": {"vi": "Chưa dùng", "en": "Not cited yet"},
    "ind.declarations.the_file": {"vi": "tệp", "en": "the file"},
    # The API's problems, in words (server/web/pages/indicators_declaration_form.py).
    "ind.declarations.problem.value_required": {
        "vi": "Hãy nhập giá trị.",
        "en": "Enter the value.",
    },
    "ind.declarations.problem.value_number": {
        "vi": "Giá trị phải là một số.",
        "en": "The value must be a number.",
    },
    "ind.declarations.problem.value_negative": {
        "vi": "Giá trị không được âm.",
        "en": "The value must not be negative.",
    },
    "ind.declarations.problem.value_above_100": {
        "vi": "Tỷ lệ {value} % lớn hơn 100 %.",
        "en": "{value} % is more than 100 %.",
    },
    "ind.declarations.problem.value_ratio": {
        "vi": "Tỷ lệ {value} % không khớp với {numerator} trên {denominator} (= {share} %).",
        "en": "{value} % does not match {numerator} out of {denominator} (= {share} %).",
    },
    "ind.declarations.problem.ratio_both": {
        "vi": "Nhập cả số đạt và tổng số, hoặc bỏ trống cả hai.",
        "en": "Give both the count met and the total, or neither.",
    },
    "ind.declarations.problem.ratio_zero": {
        "vi": "Tổng số phải lớn hơn 0.",
        "en": "The total must be more than 0.",
    },
    "ind.declarations.problem.ratio_over": {
        "vi": "Số đạt không được lớn hơn tổng số.",
        "en": "The count met must not exceed the total.",
    },
    "ind.declarations.problem.ratio_number": {
        "vi": "Số đạt và tổng số phải là số.",
        "en": "The count met and the total must be numbers.",
    },
    "ind.declarations.problem.ratio_negative": {
        "vi": "Số đạt và tổng số không được âm.",
        "en": "The count met and the total must not be negative.",
    },
    "ind.declarations.problem.from_required": {
        "vi": "Hãy chọn ngày bắt đầu áp dụng.",
        "en": "Choose the first day the value applies to.",
    },
    "ind.declarations.problem.from_date": {
        "vi": "Ngày bắt đầu áp dụng không hợp lệ.",
        "en": "The first day is not a date.",
    },
    "ind.declarations.problem.until_date": {
        "vi": "Ngày kết thúc không hợp lệ.",
        "en": "The last day is not a date.",
    },
    "ind.declarations.problem.until_before": {
        "vi": "Ngày kết thúc ở trước ngày bắt đầu.",
        "en": "The last day is before the first.",
    },
    "ind.declarations.problem.note_long": {
        "vi": "Ghi chú dài quá {count} ký tự.",
        "en": "The note is longer than {count} characters.",
    },
    "ind.declarations.problem.documents_required": {
        "vi": "Hãy đính kèm ít nhất một tài liệu minh chứng (chọn tệp đã tải lên hoặc thêm "
        "tệp mới).",
        "en": "Attach at least one evidence document (choose one uploaded or add a file).",
    },
    "ind.declarations.problem.documents_many": {
        "vi": "Mỗi khai báo có tối đa {count} tài liệu.",
        "en": "At most {count} documents per declaration.",
    },
    "ind.declarations.problem.document_unknown": {
        "vi": "Một tài liệu đã chọn không còn hoặc không thuộc xã này.",
        "en": "A document chosen is gone or not the commune's.",
    },
    "ind.declarations.problem.document_bad": {
        "vi": "Một tài liệu đã chọn không hợp lệ.",
        "en": "A document chosen is not valid.",
    },
    "ind.declarations.problem.file_too_large": {
        "vi": "Tệp {name} lớn hơn {count} MB.",
        "en": "{name} is larger than {count} MB.",
    },
    "ind.declarations.problem.file_empty": {
        "vi": "Tệp {name} rỗng.",
        "en": "{name} is empty.",
    },
    "ind.declarations.problem.file_misnamed": {
        "vi": "Tệp {name} có đuôi {suffix} nhưng nội dung là {kind}: hãy đổi tên hoặc chọn "
        "đúng tệp.",
        "en": "{name} is named {suffix} but its content is {kind}: rename it or choose the "
        "right file.",
    },
    "ind.declarations.problem.file_type": {
        "vi": "Tệp {name} không phải PDF, JPEG, PNG, DOCX hay XLSX (kiểm tra theo nội dung).",
        "en": "{name} is not a PDF, JPEG, PNG, DOCX or XLSX file (checked by its content).",
    },
    "ind.declarations.problem.files_many": {
        "vi": "Mỗi lần gửi tối đa {count} tệp.",
        "en": "At most {count} files at a time.",
    },
    "ind.declarations.problem.indicator": {
        "vi": "Chỉ tiêu này không khai báo được.",
        "en": "This indicator cannot be declared.",
    },
    "ind.declarations.problem.commune": {
        "vi": "Xã không có trong danh mục.",
        "en": "The commune is not in the inventory.",
    },
    # What static/indicator-declarations.js says.
    "ind.declarations.js.uploading": {"vi": "Đang tải lên", "en": "Uploading"},
    "ind.declarations.js.checking": {
        "vi": "Đang kiểm tra tệp trên máy chủ…",
        "en": "The server is checking the files…",
    },
    "ind.declarations.js.uploaded": {
        "vi": "Đã tải lên {count} tệp, đang lưu khai báo…",
        "en": "{count} files uploaded, saving the declaration…",
    },
    "ind.declarations.js.too_large": {
        "vi": "Tệp {name} lớn hơn {mb} MB: không gửi.",
        "en": "{name} is larger than {mb} MB: not sent.",
    },
    "ind.declarations.js.wrong_type": {
        "vi": "Tệp {name} không phải PDF, JPEG, PNG, DOCX hay XLSX: không gửi.",
        "en": "{name} is not a PDF, JPEG, PNG, DOCX or XLSX file: not sent.",
    },
    "ind.declarations.js.empty": {
        "vi": "Tệp {name} rỗng: không gửi.",
        "en": "{name} is empty: not sent.",
    },
    "ind.declarations.js.refused": {
        "vi": "Máy chủ không nhận tệp; không tệp nào được lưu.",
        "en": "The server refused the files; none was kept.",
    },
    "ind.declarations.js.session": {
        "vi": "Phiên đăng nhập đã hết hạn: hãy tải lại trang và đăng nhập lại.",
        "en": "Your session has ended: reload the page and sign in again.",
    },
    "ind.declarations.js.network": {
        "vi": "Không gửi được tệp (mất kết nối). Hãy thử lại.",
        "en": "The files could not be sent (connection lost). Try again.",
    },
    "ind.declarations.js.detail": {"vi": "Chi tiết từ máy chủ", "en": "The server's words"},
    # -- indicators: remediation plans --
    "ind.remediation.tab": {"vi": "Khắc phục", "en": "Remediation"},
    "ind.remediation.title": {"vi": "Kế hoạch khắc phục", "en": "Remediation plans"},
    "ind.remediation.intro": {
        "vi": "Mỗi chỉ tiêu chưa đạt cần một kế hoạch khắc phục: nguyên nhân, lộ trình, "
        "thời hạn và người (đơn vị) chịu trách nhiệm. Cán bộ thẩm định chấp nhận hoặc "
        "trả lại kế hoạch kèm ý kiến.",
        "en": "Every indicator not met needs a remediation plan: the cause, the steps, a "
        "deadline and who answers for it. The verifier accepts the plan or returns it "
        "with a comment.",
    },
    "ind.remediation.none_failing": {
        "vi": "Trong kỳ này xã không có chỉ tiêu chưa đạt.",
        "en": "The commune has no indicator not met in this period.",
    },
    "ind.remediation.no_figures": {
        "vi": "Xã không có số liệu cho kỳ này.",
        "en": "The commune has no figures for this period.",
    },
    "ind.remediation.value": {"vi": "Kết quả đạt được", "en": "Value"},
    "ind.remediation.target": {"vi": "Chỉ tiêu yêu cầu", "en": "Target"},
    "ind.remediation.no_plan": {"vi": "Chưa có kế hoạch", "en": "No plan yet"},
    "ind.remediation.no_plan_hint": {
        "vi": "Cán bộ xã lập kế hoạch khắc phục cho chỉ tiêu này.",
        "en": "The commune's officers write the remediation plan for this indicator.",
    },
    "ind.remediation.no_longer_failing": {
        "vi": "Chỉ tiêu này hiện không còn ở mức chưa đạt trong kỳ (số liệu đã thay đổi "
        "sau khi lập kế hoạch).",
        "en": "This indicator is no longer 'not met' in the period (the figures changed "
        "after the plan was written).",
    },
    "ind.remediation.field.cause": {"vi": "Nguyên nhân", "en": "Cause"},
    "ind.remediation.field.steps": {"vi": "Lộ trình, các bước khắc phục", "en": "Steps"},
    "ind.remediation.field.steps_hint": {
        "vi": "Mỗi dòng một bước, theo thứ tự thực hiện.",
        "en": "One step a line, in the order they are done.",
    },
    "ind.remediation.field.deadline": {"vi": "Thời hạn hoàn thành", "en": "Deadline"},
    "ind.remediation.field.responsible": {
        "vi": "Người / đơn vị chịu trách nhiệm",
        "en": "Responsible person or body",
    },
    "ind.remediation.field.status": {"vi": "Trạng thái", "en": "Status"},
    "ind.remediation.field.comment": {"vi": "Ý kiến thẩm định", "en": "Verifier's comment"},
    "ind.remediation.field.note": {"vi": "Kết quả thực hiện", "en": "What was done"},
    "ind.remediation.status.submitted": {
        "vi": "◷ Đã gửi, chờ thẩm định",
        "en": "◷ Submitted, awaiting review",
    },
    "ind.remediation.status.returned": {
        "vi": "↩ Bị trả lại, cần sửa",
        "en": "↩ Returned for changes",
    },
    "ind.remediation.status.accepted": {
        "vi": "✓ Đã chấp nhận, đang thực hiện",
        "en": "✓ Accepted, in progress",
    },
    "ind.remediation.status.done": {"vi": "✔ Đã hoàn thành", "en": "✔ Done"},
    "ind.remediation.overdue": {
        "vi": "⚠ Quá hạn {days} ngày",
        "en": "⚠ Overdue by {days} days",
    },
    "ind.remediation.action.submitted": {"vi": "Lập và gửi kế hoạch", "en": "Wrote the plan"},
    "ind.remediation.action.edited": {"vi": "Sửa kế hoạch", "en": "Edited the plan"},
    "ind.remediation.action.resubmitted": {
        "vi": "Sửa và gửi lại kế hoạch",
        "en": "Edited and resubmitted the plan",
    },
    "ind.remediation.action.accepted": {"vi": "Chấp nhận kế hoạch", "en": "Accepted the plan"},
    "ind.remediation.action.returned": {"vi": "Trả lại kế hoạch", "en": "Returned the plan"},
    "ind.remediation.action.done": {"vi": "Báo cáo đã hoàn thành", "en": "Marked it done"},
    "ind.remediation.history": {"vi": "Lịch sử thay đổi", "en": "History"},
    "ind.remediation.changed": {"vi": "Đã sửa", "en": "Changed"},
    "ind.remediation.last_review": {"vi": "Ý kiến thẩm định gần nhất", "en": "Latest review"},
    "ind.remediation.done_note": {"vi": "Kết quả thực hiện", "en": "What was done"},
    "ind.remediation.write": {"vi": "Lập kế hoạch khắc phục", "en": "Write the plan"},
    "ind.remediation.submit": {"vi": "Gửi kế hoạch", "en": "Submit the plan"},
    "ind.remediation.edit": {"vi": "Sửa kế hoạch", "en": "Edit the plan"},
    "ind.remediation.save_edit": {"vi": "Lưu thay đổi", "en": "Save the changes"},
    "ind.remediation.resubmit": {"vi": "Sửa và gửi lại", "en": "Edit and resubmit"},
    "ind.remediation.save_resubmit": {"vi": "Gửi lại kế hoạch", "en": "Resubmit the plan"},
    "ind.remediation.accept": {"vi": "Chấp nhận", "en": "Accept"},
    "ind.remediation.return": {"vi": "Trả lại kèm ý kiến", "en": "Return with a comment"},
    "ind.remediation.return_send": {"vi": "Trả lại kế hoạch", "en": "Return the plan"},
    "ind.remediation.comment_optional": {
        "vi": "Ý kiến (không bắt buộc)",
        "en": "Comment (optional)",
    },
    "ind.remediation.comment_required": {
        "vi": "Ý kiến: cần sửa gì (bắt buộc)",
        "en": "Comment: what to change (required)",
    },
    "ind.remediation.finish": {"vi": "Báo cáo đã hoàn thành", "en": "Mark it done"},
    "ind.remediation.finish_send": {"vi": "Xác nhận hoàn thành", "en": "Confirm it is done"},
    "ind.remediation.done.created": {
        "vi": "Đã gửi kế hoạch khắc phục.",
        "en": "The remediation plan was submitted.",
    },
    "ind.remediation.done.edited": {"vi": "Đã lưu kế hoạch.", "en": "The plan was saved."},
    "ind.remediation.done.accepted": {
        "vi": "Đã chấp nhận kế hoạch.",
        "en": "The plan was accepted.",
    },
    "ind.remediation.done.returned": {
        "vi": "Đã trả lại kế hoạch cho xã.",
        "en": "The plan was returned to the commune.",
    },
    "ind.remediation.done.finished": {
        "vi": "Đã ghi nhận hoàn thành.",
        "en": "The plan is marked done.",
    },
    "ind.remediation.open.title": {
        "vi": "Kế hoạch đang thực hiện và quá hạn",
        "en": "Open plans and overdue deadlines",
    },
    "ind.remediation.open.intro": {
        "vi": "Mọi kỳ đánh giá, các xã trong phạm vi của bạn: quá hạn trước, rồi các kế "
        "hoạch chờ thẩm định, rồi theo thời hạn.",
        "en": "Every period, the communes in your scope: overdue first, then plans awaiting "
        "review, then by deadline.",
    },
    "ind.remediation.open.counts": {
        "vi": "{open} kế hoạch chưa hoàn thành, {overdue} quá hạn",
        "en": "{open} plans not done, {overdue} overdue",
    },
    "ind.remediation.open.none": {
        "vi": "Không có kế hoạch nào đang thực hiện.",
        "en": "No plan is open.",
    },
    "ind.remediation.open.period": {"vi": "Kỳ đánh giá", "en": "Period"},
    "ind.remediation.open.see": {"vi": "Xem", "en": "Open"},
    "ind.remediation.open.choose": {"vi": "Xem kế hoạch của xã", "en": "A commune's plans"},
    "ind.remediation.open.back": {
        "vi": "← Kế hoạch đang mở của các xã",
        "en": "← Every commune's open plans",
    },
    "ind.remediation.problems": {
        "vi": "Chưa lưu được, vì:",
        "en": "Not saved, because:",
    },
    "ind.remediation.problem.cause_missing": {
        "vi": "Hãy nêu nguyên nhân.",
        "en": "Say what caused it.",
    },
    "ind.remediation.problem.cause_long": {
        "vi": "Nguyên nhân dài quá 2.000 ký tự.",
        "en": "The cause is longer than 2,000 characters.",
    },
    "ind.remediation.problem.responsible_missing": {
        "vi": "Hãy ghi người hoặc đơn vị chịu trách nhiệm.",
        "en": "Say who answers for it.",
    },
    "ind.remediation.problem.responsible_long": {
        "vi": "Người / đơn vị chịu trách nhiệm dài quá 200 ký tự.",
        "en": "Who answers for it is longer than 200 characters.",
    },
    "ind.remediation.problem.steps_missing": {
        "vi": "Hãy ghi ít nhất một bước khắc phục.",
        "en": "Give at least one step.",
    },
    "ind.remediation.problem.steps_many": {
        "vi": "Tối đa 20 bước.",
        "en": "At most 20 steps.",
    },
    "ind.remediation.problem.step_long": {
        "vi": "Mỗi bước tối đa 500 ký tự.",
        "en": "A step has at most 500 characters.",
    },
    "ind.remediation.problem.deadline_missing": {
        "vi": "Hãy chọn thời hạn hoàn thành (một ngày).",
        "en": "Choose the deadline (a day).",
    },
    "ind.remediation.problem.deadline_past": {
        "vi": "Thời hạn đã qua: chọn hôm nay hoặc một ngày sau.",
        "en": "That day has passed: choose today or a later day.",
    },
    "ind.remediation.problem.deadline_far": {
        "vi": "Thời hạn không quá 5 năm kể từ hôm nay.",
        "en": "The deadline is at most five years ahead.",
    },
    "ind.remediation.problem.comment_missing": {
        "vi": "Khi trả lại, hãy ghi ý kiến: xã cần sửa gì.",
        "en": "A returned plan needs a comment: what the commune should change.",
    },
    "ind.remediation.problem.comment_long": {
        "vi": "Ý kiến dài quá 2.000 ký tự.",
        "en": "The comment is longer than 2,000 characters.",
    },
    "ind.remediation.problem.note_missing": {
        "vi": "Hãy ghi kết quả đã thực hiện.",
        "en": "Say what was done.",
    },
    "ind.remediation.problem.note_long": {
        "vi": "Kết quả thực hiện dài quá 2.000 ký tự.",
        "en": "What was done is longer than 2,000 characters.",
    },
    "ind.remediation.problem.indicator_not_failing": {
        "vi": "Chỉ tiêu này hiện không ở mức chưa đạt trong kỳ: không cần kế hoạch khắc phục.",
        "en": "This indicator is not 'not met' in the period now: it needs no plan.",
    },
    "ind.remediation.problem.indicator_unknown": {
        "vi": "Xã không có chỉ tiêu này.",
        "en": "The commune has no such indicator.",
    },
    "ind.remediation.problem.no_figures": {
        "vi": "Xã không có số liệu cho kỳ này.",
        "en": "The commune has no figures for this period.",
    },
    "ind.remediation.problem.has_plan": {
        "vi": "Chỉ tiêu này đã có kế hoạch trong kỳ: hãy sửa kế hoạch đó.",
        "en": "This indicator has a plan for the period already: edit that one.",
    },
    "ind.remediation.problem.not_editable": {
        "vi": "Kế hoạch đã được chấp nhận hoặc đã hoàn thành nên không sửa được nữa.",
        "en": "The plan was accepted or is done: it can no longer be changed.",
    },
    "ind.remediation.problem.unchanged": {
        "vi": "Không có gì thay đổi so với kế hoạch đã gửi.",
        "en": "Nothing changed from the plan as submitted.",
    },
    "ind.remediation.problem.not_submitted": {
        "vi": "Kế hoạch không còn chờ thẩm định (đã có người quyết định trước).",
        "en": "The plan no longer awaits review (someone decided already).",
    },
    "ind.remediation.problem.not_accepted": {
        "vi": "Chỉ kế hoạch đã được chấp nhận mới báo hoàn thành được.",
        "en": "Only an accepted plan can be marked done.",
    },
    # -- indicators: the province summary --
    "ind.summary.tab": {"vi": "Tổng hợp", "en": "Summary"},
    "ind.summary.title": {
        "vi": "Tổng hợp chỉ tiêu hạ tầng số",
        "en": "Digital infrastructure indicators: summary",
    },
    "ind.summary.intro": {
        "vi": "Kết quả từng chỉ tiêu của mỗi xã trong kỳ, số chỉ tiêu đạt, chưa đạt, không đủ "
        "dữ liệu, và tình trạng phê duyệt báo cáo của xã.",
        "en": "Each commune's verdict on every indicator for the period, how many were met, "
        "not met or lacked data, and whether its report is signed off.",
    },
    "ind.summary.made": {"vi": "Lập lúc", "en": "Made at"},
    "ind.summary.total": {"vi": "Tổng cộng", "en": "Total"},
    "ind.summary.signoff.none": {"vi": "Chưa phê duyệt", "en": "Not signed off"},
    "ind.summary.signoff.matches": {"vi": "Đã phê duyệt", "en": "Signed off"},
    "ind.summary.signoff.mismatch": {
        "vi": "Đã phê duyệt, dữ liệu đã thay đổi",
        "en": "Signed off; the data changed since",
    },
    "ind.summary.signed_count": {
        "vi": "{signed}/{total} xã đã phê duyệt ({matching} còn khớp dữ liệu)",
        "en": "{signed} of {total} communes signed off ({matching} still match the data)",
    },
    "ind.summary.plans_open": {"vi": "Kế hoạch đang mở", "en": "Open plans"},
    "ind.summary.plans_overdue": {"vi": "Kế hoạch quá hạn", "en": "Overdue plans"},
    "ind.summary.indicators": {"vi": "Các chỉ tiêu", "en": "The indicators"},
    "ind.summary.print": {"vi": "In / tải PDF", "en": "Print / PDF"},
    "ind.summary.csv": {"vi": "Tải CSV", "en": "Download CSV"},
    "ind.summary.open_report": {"vi": "Xem báo cáo xã", "en": "Open the report"},
    # -- indicators: province-specific indicators --
    # A unit of a province's own indicator in English (what changed since a sign-off).
    "field.unit_en": {"vi": "Đơn vị tính (tiếng Anh)", "en": "Unit in English"},
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
    # The numerator and denominator in words, by what the indicator measures
    # (server/indicators/profile.py MEASURES).
    "ratio.plain": {"vi": "{numerator} trên {denominator}", "en": "{numerator} of {denominator}"},
    "ratio.radio_station": {
        "vi": "{numerator} cụm loa hoạt động trên {denominator} cụm loa",
        "en": "{numerator} of {denominator} loudspeaker clusters working",
    },
    "ratio.village_radio_coverage": {
        "vi": "{numerator} thôn có cụm loa hoạt động trên {denominator} thôn",
        "en": "{numerator} of {denominator} villages with a working cluster",
    },
    "ratio.cluster_count": {
        "vi": "{numerator} cụm loa đã lắp đặt trên {denominator} cụm loa trong danh mục",
        "en": "{numerator} of {denominator} clusters in the inventory installed",
    },
    "ratio.radio_availability": {
        "vi": "{numerator} giờ hoạt động trên {denominator} giờ đã biết trạng thái",
        "en": "{numerator} hours up of {denominator} hours with a known status",
    },
    "ratio.camera_availability": {
        "vi": "{numerator} giờ hoạt động trên {denominator} giờ đã biết trạng thái",
        "en": "{numerator} hours up of {denominator} hours with a known status",
    },
    "ratio.broadcast_days": {
        "vi": "{numerator} ngày có phát trên {denominator} ngày",
        "en": "{numerator} of {denominator} days with a broadcast",
    },
    "ratio.emergency_readiness": {
        "vi": "{numerator} cụm loa phát kịp thời trên {denominator} cụm loa",
        "en": "{numerator} of {denominator} clusters playing in time",
    },
    "ratio.camera_operating": {
        "vi": "{numerator} camera đạt yêu cầu trên {denominator} camera",
        "en": "{numerator} of {denominator} cameras meeting the test",
    },
    "ratio.key_location_coverage": {
        "vi": "{numerator} địa điểm có camera hoạt động trên {denominator} địa điểm trọng yếu",
        "en": "{numerator} of {denominator} key locations with a working camera",
    },
    "ratio.video_conference": {
        "vi": "{numerator} điểm cầu hoạt động trên {denominator} điểm cầu",
        "en": "{numerator} of {denominator} endpoints working",
    },
    "ratio.declared": {
        "vi": "{numerator} trên {denominator} (theo số liệu kê khai)",
        "en": "{numerator} of {denominator} (as declared)",
    },
    "evidence.delay": {"vi": "phát sau {seconds} giây", "en": "played after {seconds} s"},
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
    "field.note_en": {"vi": "Ghi chú (tiếng Anh)", "en": "Note in English"},
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
    "legend": {"vi": "Chú giải", "en": "Legend"},
    # the province summary (page, PDF, CSV)
    "area": {"vi": "Địa bàn", "en": "Area"},
    "all_areas": {"vi": "Toàn bộ địa bàn được giao", "en": "Every commune in scope"},
    "no_communes": {"vi": "Không có xã nào trong kỳ này.", "en": "No commune in this period."},
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
    # a camera's picture (server/monitoring/picture_state.py): its states as measured ...
    "picture.ok": {"vi": "Hình ảnh tốt", "en": "Picture good"},
    "picture.dark": {"vi": "Quá tối", "en": "Too dark"},
    "picture.blurred": {"vi": "Bị mờ", "en": "Blurred"},
    "picture.covered": {"vi": "Bị che", "en": "Covered"},
    "picture.frozen": {"vi": "Đứng hình", "en": "Frozen"},
    "picture.no_picture": {"vi": "Không có hình", "en": "No picture"},
    # ... as a cause of a problem (the problems page's filter) ...
    "cause.picture_dark": {"vi": "Hình ảnh quá tối", "en": "Picture too dark"},
    "cause.picture_blurred": {"vi": "Hình ảnh bị mờ", "en": "Picture blurred"},
    "cause.picture_covered": {"vi": "Hình ảnh bị che", "en": "Picture covered"},
    "cause.picture_frozen": {"vi": "Hình ảnh đứng hình", "en": "Picture frozen"},
    "cause.picture_no_picture": {"vi": "Không có hình", "en": "No picture"},
    "picture": {"vi": "Hình ảnh không dùng được", "en": "Picture unusable"},
    "picture.problem": {
        "vi": "Camera vẫn kết nối nhưng hình ảnh không dùng được",
        "en": "The camera is online but its picture is unusable",
    },
    # ... and the picture's own status, with why
    "picture.heading": {"vi": "Hình ảnh", "en": "Picture"},
    "picture.status.usable": {"vi": "Dùng được", "en": "Usable"},
    "picture.status.unusable": {"vi": "Không dùng được", "en": "Unusable"},
    "picture.status.unknown": {"vi": "Chưa rõ", "en": "Unknown"},
    "picture.status.maintenance": {"vi": "Đang bảo trì", "en": "Maintenance"},
    "picture.cause.offline": {"vi": "camera mất kết nối", "en": "the camera is offline"},
    "picture.cause.checking": {
        "vi": "đang kiểm tra hình ảnh mới",
        "en": "checking a new picture",
    },
    "picture.cause.not_measured": {"vi": "chưa đo hình ảnh", "en": "not measured yet"},
    # The camera itself is neither up nor down (picture_state.py: "camera_<status>").
    "picture.cause.camera_unknown": {
        "vi": "chưa rõ camera có hoạt động không",
        "en": "whether the camera works is unknown",
    },
    "picture.cause.camera_stopped": {"vi": "gateway đã dừng", "en": "its gateway stopped"},
    "picture.cause.camera_planned": {"vi": "camera chưa lắp đặt", "en": "not installed yet"},
    "picture.not_measured": {
        "vi": "Bộ điều khiển chưa gửi kết quả kiểm tra hình ảnh của camera này.",
        "en": "The gateway has not sent a picture check of this camera.",
    },
    "picture.taken": {"vi": "Chụp lúc", "en": "Taken at"},
    "picture.last": {"vi": "Ảnh chụp gần nhất", "en": "Last snapshot"},
    "picture.thresholds": {"vi": "Ngưỡng", "en": "Thresholds"},
    "picture.learning": {
        "vi": "Đang học ngưỡng từ hình của chính camera",
        "en": "Learning its thresholds from its own pictures",
    },
    "picture.brightness": {"vi": "Độ sáng (0–255)", "en": "Brightness (0–255)"},
    "picture.sharpness": {"vi": "Độ nét", "en": "Sharpness"},
    "picture.uniform_pct": {"vi": "Một màu (%)", "en": "One colour (%)"},
    "picture.change": {"vi": "Thay đổi (0–255)", "en": "Change (0–255)"},
    "picture.error": {"vi": "Lỗi", "en": "Error"},
    "picture.availability": {"vi": "Hình ảnh dùng được", "en": "Picture usable"},
    "help.cause.picture_covered": {
        "vi": "Camera vẫn kết nối nhưng gần như cả khung hình một màu: ống kính bị che "
        "(vải, túi, sơn) hoặc quay vào tường.",
        "en": "The camera is online but nearly the whole frame is one colour: the lens is "
        "covered (cloth, bag, paint) or turned to a wall.",
    },
    "help.cause.picture_covered.do": {
        "vi": "Cử người đến gỡ vật che, chỉnh lại hướng camera; xem ảnh chụp gần nhất.",
        "en": "Send someone to uncover it and set its direction again; see its last snapshot.",
    },
    "help.cause.picture_dark": {
        "vi": "Hình ảnh quá tối: ban đêm không có hồng ngoại, đèn chiếu sáng hỏng, hoặc bị che.",
        "en": "Too dark: night without infrared, a broken light, or covered.",
    },
    "help.cause.picture_dark.do": {
        "vi": "Kiểm tra đèn hồng ngoại và chiếu sáng tại điểm đặt camera.",
        "en": "Check the infrared and the lighting where the camera stands.",
    },
    "help.cause.picture_blurred": {
        "vi": "Hình ảnh bị mờ: ống kính bẩn, đọng sương, hoặc lệch tiêu cự.",
        "en": "Blurred: a dirty or fogged lens, or out of focus.",
    },
    "help.cause.picture_blurred.do": {
        "vi": "Lau ống kính, chỉnh lại tiêu cự.",
        "en": "Clean the lens and set its focus again.",
    },
    "help.cause.picture_frozen": {
        "vi": "Hình ảnh đứng yên qua nhiều lần chụp: camera treo hình dù vẫn trả lời mạng.",
        "en": "The same picture snapshot after snapshot: the camera froze though it answers.",
    },
    "help.cause.picture_frozen.do": {
        "vi": "Khởi động lại camera.",
        "en": "Restart the camera.",
    },
    "help.cause.picture_no_picture": {
        "vi": "Không lấy được ảnh chụp từ camera (luồng video hoặc địa chỉ ảnh chụp lỗi).",
        "en": "No snapshot could be taken from the camera (its stream or snapshot URL fails).",
    },
    "help.cause.picture_no_picture.do": {
        "vi": "Kiểm tra luồng video và cấu hình ảnh chụp của camera trên bộ điều khiển.",
        "en": "Check the camera's stream and the gateway's snapshot settings for it.",
    },
    "picture.availability_note": {
        "vi": "Tỷ lệ thời gian camera vừa kết nối vừa cho hình ảnh dùng được; thời gian "
        "mất kết nối tính là không dùng được, thời gian bảo trì không tính.",
        "en": "The share of the time the camera was online with a usable picture; offline "
        "time counts as unusable, maintenance is left out.",
    },
}
# Each capability's words beside the others', each key said once.
if _TEXT.keys() & SNAPSHOT_TEXT.keys():  # a programming slip: every test meets it
    raise RuntimeError(f"words defined twice: {sorted(_TEXT.keys() & SNAPSHOT_TEXT.keys())}")
_TEXT.update(SNAPSHOT_TEXT)


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
