package gateway

import (
	"fmt"

	"github.com/thanhhoa-ntm/ntm/events"
)

// contractVI is the Vietnamese message of a contract rejection: the rule broken, by reason, and
// the field at fault. The English message (Result.Message) gives the detail of the rule; this
// one tells the communes' staff what to fix in their own language.
func contractVI(rej *events.Rejection) string {
	f := rej.Field
	switch rej.Reason {
	case events.NotJSON:
		return "dòng này không phải là JSON hợp lệ: mỗi dòng phải là một sự kiện JSON"
	case events.NotObject:
		return "dòng này không phải là một đối tượng JSON {…}: mỗi dòng phải là một sự kiện"
	case events.TooLarge:
		return fmt.Sprintf("sự kiện vượt quá giới hạn %d byte (1 MiB)", events.MaxEventSize)
	case events.MissingField:
		return fmt.Sprintf("thiếu trường bắt buộc %s", f)
	case events.BadType:
		return fmt.Sprintf("trường %s sai kiểu dữ liệu", f)
	case events.BadValue:
		if f == "" {
			return "giá trị không hợp lệ"
		}
		return fmt.Sprintf("trường %s có giá trị không hợp lệ (sai danh mục, ngoài giới hạn hoặc sai định dạng)", f)
	case events.UnknownEventType:
		return "loại sự kiện (event_type) không có trong hợp đồng sự kiện"
	case events.UnsupportedSchemaVersion:
		return "phiên bản lược đồ (schema_version) không được hỗ trợ cho loại sự kiện này"
	}
	return fmt.Sprintf("dòng bị từ chối (%s)", rej.Reason)
}
