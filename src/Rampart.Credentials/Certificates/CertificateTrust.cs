namespace Rampart.Credentials.Certificates;

/// <summary>What the validator trusts at one moment: the trusted root store and the CRL checking level.</summary>
public sealed record CertificateTrust(IReadOnlyList<TrustedAuthority> Trusted, CrlCheckLevel CrlCheckLevel)
{
    /// <summary>Reads both from the store (a few small files; cheap enough per negotiation).</summary>
    public static CertificateTrust From(CertificateStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return new CertificateTrust(store.LoadTrusted(), store.LoadCrlCheckLevel());
    }
}
