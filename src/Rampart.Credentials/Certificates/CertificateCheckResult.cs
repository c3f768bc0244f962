namespace Rampart.Credentials.Certificates;

/// <summary>Why a peer's certificate was refused, in the words the audit (544), the counters and the monitor use.</summary>
public enum CertificateCheckKind
{
    Valid,

    /// <summary>The chain does not end at a trusted root CA the rule names (or a signature in it is wrong).</summary>
    Untrusted,

    /// <summary>A certificate of the chain is not yet valid or has expired.</summary>
    Expired,

    /// <summary>A CRL of the issuer lists a certificate of the chain.</summary>
    Revoked,

    /// <summary>At CRL level 2: no valid CRL could be had (unreachable, expired, wrongly signed, or none covers it).</summary>
    CrlUnavailable,

    /// <summary>The rule requires the IP security IKE intermediate EKU and the certificate lacks it.</summary>
    Eku,
}

/// <summary>The outcome of <see cref="PeerCertificateValidator.ValidateAsync"/>: valid (with the CA the chain ends at) or why not.</summary>
public sealed record CertificateCheckResult(CertificateCheckKind Kind, string Reason, string? CaName = null)
{
    public bool IsValid => Kind == CertificateCheckKind.Valid;

    /// <summary>The kind as the audit and the monitor spell it: <c>untrusted</c>, <c>expired</c>, <c>revoked</c>, <c>crl-unavailable</c>, <c>eku</c>.</summary>
    public string KindName => Kind switch
    {
        CertificateCheckKind.Valid => "valid",
        CertificateCheckKind.Untrusted => "untrusted",
        CertificateCheckKind.Expired => "expired",
        CertificateCheckKind.Revoked => "revoked",
        CertificateCheckKind.CrlUnavailable => "crl-unavailable",
        _ => "eku",
    };

    public static CertificateCheckResult Valid(string caName) => new(CertificateCheckKind.Valid, $"valid, issued under '{caName}'", caName);

    public static CertificateCheckResult Invalid(CertificateCheckKind kind, string reason) => new(kind, reason);
}
