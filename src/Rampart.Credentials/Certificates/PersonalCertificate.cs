using System.Security.Cryptography.X509Certificates;

namespace Rampart.Credentials.Certificates;

/// <summary>
/// A certificate of this computer's personal store: the certificate (carrying its private key when the store has
/// one) and the intermediate CA certificates imported with it, which IKE sends after it.
/// </summary>
public sealed record PersonalCertificate(X509Certificate2 Certificate, IReadOnlyList<X509Certificate2> Intermediates)
{
    /// <summary>SHA-256 of the DER certificate, upper-case hex: the name <c>cert delete</c> accepts.</summary>
    public string Thumbprint => Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);

    /// <summary>The walkthrough's check: "You have a private key that corresponds to this certificate".</summary>
    public bool HasPrivateKey => Certificate.HasPrivateKey;

    public CertificateKeyKind KeyKind => CertificateKeyKinds.Of(Certificate);
}
