using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Rampart.Credentials.Certificates;

namespace Rampart.Credentials.Tests.Certificates;

/// <summary>
/// Certificates made by the real test CA in a temporary directory: a root, an intermediate under it and host
/// certificates, plus an unrelated root. The clock is fake, starting now.
/// </summary>
public sealed class TestPki : IDisposable
{
    public TestPki(CaKeyAlgorithm key = CaKeyAlgorithm.EcdsaP256, Uri? intermediateCrl = null)
    {
        Root = TestCertificateAuthority.Create(Path.Combine(Directory, "root"), "Test Root", key, Clock);
        Intermediate = TestCertificateAuthority.Create(Path.Combine(Directory, "intermediate"), "Test Intermediate", key, Clock, Root, intermediateCrl);
        Other = TestCertificateAuthority.Create(Path.Combine(Directory, "other"), "Other Root", key, Clock);
    }

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("rampart-pki-").FullName;

    public TestCertificateAuthority Root { get; }

    public TestCertificateAuthority Intermediate { get; }

    public TestCertificateAuthority Other { get; }

    public static CertificateIssueRequest Host(string name, Uri? crl = null, bool ikeEku = false, CaKeyAlgorithm? key = null, TimeSpan? validity = null) =>
        new($"CN={name}, O=Rampart Tests", [IPAddress.Parse("192.0.2.1")], [name], ikeEku, crl, key, validity);

    /// <summary>A trusted root entry, as the store holds it (certificate only).</summary>
    public static TrustedAuthority Trusted(TestCertificateAuthority authority, string? name = null) =>
        new(name ?? authority.Name, X509CertificateLoader.LoadCertificate(authority.Certificate.RawData));

    public static X509Certificate2 WithoutKey(X509Certificate2 certificate) => X509CertificateLoader.LoadCertificate(certificate.RawData);

    public void Dispose()
    {
        Root.Dispose();
        Intermediate.Dispose();
        Other.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
