import CCurl

/// Process-wide libcurl initialisation, done once before the first handle is created.
enum CurlGlobal {
    private static let initialized: Bool = curl_global_init(vigil_CURL_GLOBAL_DEFAULT) == CURLE_OK

    static func initialize() { _ = initialized }
}
