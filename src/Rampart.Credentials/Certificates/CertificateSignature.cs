using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Rampart.Credentials.Certificates;

/// <summary>Whether one certificate's signature verifies under another's public key (.NET has no call for it alone).</summary>
internal static class CertificateSignature
{
    public static bool IsSignedBy(X509Certificate2 certificate, X509Certificate2 issuer)
    {
        try
        {
            var parser = new X509CertificateParser();
            parser.ReadCertificate(certificate.RawData).Verify(parser.ReadCertificate(issuer.RawData).GetPublicKey());
            return true;
        }
        catch (Exception e) when (e is GeneralSecurityException or InvalidKeyException or Org.BouncyCastle.Security.Certificates.CertificateException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
