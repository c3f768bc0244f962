using System.Security.Cryptography.X509Certificates;
using Rampart.Ike.Wire;

namespace Rampart.Ike;

/// <summary>The key kinds a Main Mode signature can be made with (RFC 2409 RSA signatures, RFC 4754 ECDSA).</summary>
public enum IkeSignatureKind
{
    /// <summary>Authentication method 3: PKCS#1 v1.5 type 1 padding over the raw HASH_I/HASH_R, no DigestInfo.</summary>
    Rsa,

    /// <summary>
    /// Authentication method 9 (RFC 4754 ECDSA-256): r | s over the raw HASH_I/HASH_R, which are computed with
    /// HMAC-SHA-256 (ECDSA-384: SHA-384, ECDSA-521: SHA-512) whatever hash the proposal negotiated.
    /// </summary>
    EcdsaP256,

    /// <summary>Authentication method 10 (RFC 4754 ECDSA-384).</summary>
    EcdsaP384,

    /// <summary>Authentication method 11 (RFC 4754 ECDSA-521).</summary>
    EcdsaP521,
}

/// <summary>
/// Signature authentication with X.509 certificates (RFC 2409 §5.1) for one rule: the CAs it names, the authorities
/// requested from the peer (one CERTREQ each), the signature kinds we can offer (from our usable certificates' keys) and
/// the chooser of our certificate once the peer's CERTREQs are known. The engine checks the peer's signature and its
/// identity against its certificate itself; the chain, dates, EKU and revocation are the host's asynchronous check
/// (<see cref="ValidatePeerCertificate"/>).
/// </summary>
public sealed class IkeCertificateAuthentication : IkeAuthentication
{
    /// <summary>The rule's CA names, in order, for the host's validator (the peer's chain must end at one of them).</summary>
    public required IReadOnlyList<string> CaNames { get; init; }

    /// <summary>The authorities sent as CERTREQs, in order (an empty-authority CERTREQ when there are none).</summary>
    public required IReadOnlyList<X500DistinguishedName> RequestedAuthorities { get; init; }

    /// <summary>The signature kinds we can offer, in preference order: one transform each per IKE proposal.</summary>
    public required IReadOnlyList<IkeSignatureKind> SignatureKinds { get; init; }

    /// <summary>
    /// Picks our certificate for a negotiated signature kind, given the authorities the peer requested (empty when it
    /// sent no CERTREQ or only empty ones); null = none usable, which fails the negotiation. Called on the IKE loop.
    /// </summary>
    public required Func<IReadOnlyList<X500DistinguishedName>, IkeSignatureKind, IkeCertificateCredential?> ChooseCredential { get; init; }

    /// <summary>Whether the peer's certificate must carry the IKE extended key usage (the rule's <c>:ike-eku</c>), for the validator.</summary>
    public bool RequireIkeEku { get; init; }

    /// <summary>
    /// The ID type we send when the peer configuration sets no local identity: the certificate's subject
    /// (<see cref="IdentificationType.DerAsn1Dn"/>), its first subjectAltName dNSName (<see cref="IdentificationType.Fqdn"/>),
    /// or our IKE address (<see cref="IdentificationType.Ipv4Address"/> or <see cref="IdentificationType.Ipv6Address"/>).
    /// </summary>
    public IdentificationType IdentityType { get; init; } = IdentificationType.DerAsn1Dn;

    public override string ToString() => $"certificates ({string.Join(", ", CaNames)})";

    internal override IkeAuthentication Copy() => this; // holds nothing secret: the private keys stay with the chooser's certificates
}

/// <summary>Our end-entity certificate (with its private key) and the intermediates sent after it, end-entity first.</summary>
public sealed record IkeCertificateCredential(X509Certificate2 Certificate, IReadOnlyList<X509Certificate2> Intermediates);

/// <summary>The host's verdict on a peer's certificate chain: valid, or invalid with the reason (audited as 544).</summary>
public sealed record CertificateCheck(bool IsValid, string? Reason)
{
    public static CertificateCheck Valid { get; } = new(true, null);

    public static CertificateCheck Invalid(string reason) => new(false, reason);
}
