namespace Rampart.DataPath;

/// <summary>The outcome of processing one packet; every drop has its own reason so it can be counted.</summary>
public enum PacketStatus
{
    Ok,

    /// <summary>Shorter than its headers or length fields claim.</summary>
    Truncated,

    /// <summary>Inconsistent headers (bad version, length, protocol, alignment).</summary>
    Malformed,

    /// <summary>No SA for this SPI (and destination): counted on the database.</summary>
    BadSpi,

    /// <summary>Sequence number already seen or left of the anti-replay window.</summary>
    Replay,

    /// <summary>ICV or AEAD tag did not verify ("packets not authenticated").</summary>
    AuthenticationFailed,

    /// <summary>Authenticated (or unauthenticated) payload did not decrypt to a valid ESP trailer ("packets not decrypted").</summary>
    DecryptFailed,

    /// <summary>The outbound sequence number would wrap: the SA must be rekeyed.</summary>
    SequenceExhausted,

    /// <summary>The SA reached a hard lifetime (seconds or bytes).</summary>
    LifetimeExpired,

    /// <summary>The buffer lacks headroom or tailroom for the headers and trailer.</summary>
    NoRoom,

    /// <summary>A packet shape this data path does not handle (e.g. IPv6 extension headers in transport mode).</summary>
    Unsupported,

    /// <summary>A valid ESP dummy packet (next header 59, RFC 4303 §2.6) for traffic-flow confidentiality: silently discarded.</summary>
    Dummy,

    /// <summary>UDP port 4500 datagram that is not ESP (an IKE message or a NAT keepalive): hand it to IKE.</summary>
    NotEsp,
}
