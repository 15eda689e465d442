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
    # -- the gateways, maintenance and excused pages --
    "menu.gateways": {"vi": "Gateway", "en": "Gateways"},
    "menu.maintenance": {"vi": "Bảo trì", "en": "Maintenance"},
    # -- the alerts page and the help --
    "menu.alerts": {"vi": "Cảnh báo", "en": "Alerts"},
    "menu.help": {"vi": "Hướng dẫn", "en": "Help"},
    # -- the admins' pages: accounts, tokens, audit log --
    "menu.admin": {"vi": "Quản trị", "en": "Administration"},
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
