namespace Rampart.Interop.Tests.Harness;

/// <summary>
/// strongSwan's side of the ikev1-cert profile: its certificate and private key (swanctl's <c>x509/</c> and
/// <c>rsa/</c> or <c>ecdsa/</c>), the CA certificates it holds (<c>x509ca/</c>: the roots and any intermediate,
/// which it sends along), the CA the peer's chain must end in, and the identity the peer must prove (Rampart's
/// subject DN). strongSwan's own identity is its certificate's subject DN, its default, or <see cref="LocalIdentity"/>.
/// </summary>
public sealed record StrongSwanCertificates(string Certificate, string PrivateKey, PkiKey Key, IReadOnlyList<string> CaCertificates, string PeerCa, string PeerIdentity)
{
    /// <summary>strongSwan's ID (e.g. its address, an iPAddress subjectAltName of its certificate); null = the subject DN.</summary>
    public string? LocalIdentity { get; init; }

    /// <summary>The <c>local</c> and <c>remote</c> sections of the connection.</summary>
    public string Authentication()
    {
        if (PeerIdentity.Contains('"', StringComparison.Ordinal) || LocalIdentity?.Contains('"', StringComparison.Ordinal) == true)
        {
            throw new InvalidOperationException("an identity cannot hold a double quote in swanctl.conf");
        }

        return $$"""
            send_certreq = yes
                            send_cert = always
                            local {
                                auth = pubkey
                                certs = {{Path.GetFileName(Certificate)}}
                                {{(LocalIdentity is { } id ? $"id = {id}" : "# id: the certificate's subject DN")}}
                            }
                            remote {
                                auth = pubkey
                                cacerts = {{Path.GetFileName(PeerCa)}}
                                id = "{{PeerIdentity}}"
                            }
            """;
    }

    /// <summary>Copies the files into swanctl's credential directories under <paramref name="directory"/>.</summary>
    public void CopyInto(string directory)
    {
        Copy(Certificate, Path.Combine(directory, "x509"));
        foreach (var ca in CaCertificates)
        {
            Copy(ca, Path.Combine(directory, "x509ca"));
        }

        var key = Copy(PrivateKey, Path.Combine(directory, Key.SwanctlKeyDirectory));
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static string Copy(string file, string directory)
    {
        Directory.CreateDirectory(directory);
        var target = Path.Combine(directory, Path.GetFileName(file));
        File.Copy(file, target, overwrite: true);
        return target;
    }
}
