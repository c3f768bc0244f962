using Rampart.Lab;

namespace Rampart.Interop.Tests.Harness;

/// <summary>
/// A lab where both sides authenticate with certificates from <paramref name="Pki"/>: Rampart imports its PKCS#12
/// (certificate, key, any intermediate) with <c>rampart cert import</c> and trusts both roots with
/// <c>rampart cert trust</c>, its rule naming only <see cref="PkiCertificates.RootName"/>; strongSwan presents its
/// certificate from that root, or with <paramref name="StrongSwanFromOtherRoot"/> the one from the other root,
/// which Rampart trusts but the rule does not name.
/// </summary>
public sealed record LabCertificates(PkiCertificates Pki, bool StrongSwanFromOtherRoot = false)
{
    /// <summary>strongSwan's ID in Main Mode; null = its certificate's subject DN.</summary>
    public string? StrongSwanIdentity { get; init; }

    public StrongSwanCertificates StrongSwan()
    {
        var name = StrongSwanFromOtherRoot ? "strongswan-other" : "strongswan";
        List<string> cas = [Pki.RootCertificate, Pki.OtherRootCertificate];
        if (Pki.IntermediateCertificate is { } intermediate)
        {
            cas.Add(intermediate);
        }

        return new StrongSwanCertificates(Pki.Certificate(name), Pki.PrivateKey(name), Pki.Key, cas, Pki.RootCertificate, Pki.RampartSubject)
        {
            LocalIdentity = StrongSwanIdentity,
        };
    }

    public void InstallInto(AgentHost rampart)
    {
        ArgumentNullException.ThrowIfNull(rampart);
        rampart.Cli("cert", "import", Pki.RampartP12, "--password-file", Pki.PasswordFile);
        rampart.Cli("cert", "trust", Pki.RootCertificate, "--name", PkiCertificates.RootName);
        rampart.Cli("cert", "trust", Pki.OtherRootCertificate, "--name", PkiCertificates.OtherRootName);
    }
}
