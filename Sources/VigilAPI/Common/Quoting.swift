import VigilJSON

/// `s` in double quotes with `"`, `\` and control characters escaped, for
/// messages (unlike JSON output, `<`, `>` and `&` stay as they are).
public func quoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 {
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}

/// A value as a message shows it: strings quoted, anything else as compact JSON
/// (long values cut at 80 characters).
func rendered(_ v: JSON) -> String {
    let text: String
    if case .string(let s) = v { text = quoted(s) } else { text = v.serializedString }
    if text.count <= 80 { return text }
    return String(text.prefix(77)) + "..."
}

/// `"a, b or c"` (`"a"`, `"a or b"`).
func alternatives(_ items: [String], conjunction: String = "or") -> String {
    switch items.count {
    case 0: return ""
    case 1: return items[0]
    default: return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items.last!
    }
}
