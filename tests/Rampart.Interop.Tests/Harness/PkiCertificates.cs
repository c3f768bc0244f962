using System.Globalization;
using Rampart.Lab;

namespace Rampart.Interop.Tests.Harness;

/// <summary>A key type and size as strongSwan's <c>pki --gen --type TYPE --size SIZE</c> spells it.</summary>
public sealed record PkiKey(string Type, int Size)
{
    public static readonly PkiKey Rsa2048 = new("rsa", 2048);
    public static readonly PkiKey Rsa4096 = new("rsa", 4096);
    public static readonly PkiKey EcdsaP256 = new("ecdsa", 256);
    public static readonly PkiKey EcdsaP384 = new("ecdsa", 384);

    public static PkiKey Named(string name) => name switch
    {
        nameof(Rsa2048) => Rsa2048,
        nameof(Rsa4096) => Rsa4096,
        nameof(EcdsaP256) => EcdsaP256,
        nameof(EcdsaP384) => EcdsaP384,
        _ => throw new ArgumentException("unknown key " + name, nameof(name)),
    };

    /// <summary>The swanctl directory its PEM private key (PKCS#1 or SEC 1, as pki writes it) loads from.</summary>
    public string SwanctlKeyDirectory => Type == "rsa" ? "rsa" : "ecdsa";
}

/// <summary>
/// A throw-away PKI made at run time with strongSwan's <c>pki</c> (Debian strongswan-pki), as strongSwan's own
/// ikev1-cert profile does: a root CA, optionally an intermediate CA under it, a host certificate for strongSwan and
/// one for Rampart (subject DN and an IP subjectAltName), and a second root CA with another certificate for
/// strongSwan, which a rule naming only the first CA must refuse. Keys never leave <see cref="Directory"/>.
/// </summary>
public sealed class PkiCertificates
{
    public const string RootName = "Interop Root";
    public const string OtherRootName = "Other Root";
    public const string P12Password = "interop-p12-not-a-secret";
    private const string DnBase = "C=XX, O=Rampart Interop";
    private readonly Dictionary<string, string> _environment;

    /// <summary>Generates everything into <paramref name="directory"/> (created 0700), every key of type <paramref name="key"/>.</summary>
    public PkiCertificates(string directory, PkiKey key, bool intermediate, string rampartAddress, string strongSwanAddress)
    {
        ArgumentNullException.ThrowIfNull(key);
        Prerequisites.Require("pki", "openssl");
        Key = key;
        Directory = System.IO.Directory.CreateDirectory(directory).FullName;
        File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // A private plugin list: the system's also loads e.g. the tpm plugin, which only prints warnings here.
        var configuration = Path.Combine(Directory, "pki.conf");
        File.WriteAllText(configuration, "pki {\n  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey sha1 sha2 hmac constraints\n}\n");
        _environment = new Dictionary<string, string> { ["STRONGSWAN_CONF"] = configuration };

        SelfSigned("root", $"{DnBase}, CN={RootName}");
        SelfSigned("other-root", $"{DnBase}, CN={OtherRootName}");
        var issuer = "root";
        if (intermediate)
        {
            Issue("intermediate", issuer, $"{DnBase}, CN=Interop Intermediate", ["--ca"]);
            issuer = "intermediate";
        }

        StrongSwanSubject = $"{DnBase}, CN=strongswan.test";
        RampartSubject = $"{DnBase}, CN=rampart.test";
        Issue("strongswan", issuer, StrongSwanSubject, ["--san", "strongswan.test", "--san", strongSwanAddress]);
        Issue("rampart", issuer, RampartSubject, ["--san", "rampart.test", "--san", rampartAddress]);
        Issue("strongswan-other", "other-root", StrongSwanSubject, ["--san", "strongswan.test", "--san", strongSwanAddress]);

        // Rampart's certificate, key and CA chain below the root, as an administrator would export them.
        PasswordFile = Path.Combine(Directory, "p12.password");
        File.WriteAllText(PasswordFile, P12Password);
        File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        RampartP12 = Path.Combine(Directory, "rampart.p12");
        string[] chain = intermediate ? ["-certfile", Certificate("intermediate")] : [];
        Tool.Run(
            ["openssl", "pkcs12", "-export", "-in", Certificate("rampart"), "-inkey", PrivateKey("rampart"), .. chain,
             "-name", "rampart", "-passout", "file:" + PasswordFile, "-out", RampartP12]).EnsureSuccess();
    }

    public string Directory { get; }

    public PkiKey Key { get; }

    public string StrongSwanSubject { get; }

    public string RampartSubject { get; }

    public string RampartP12 { get; }

    public string PasswordFile { get; }

    public string RootCertificate => Certificate("root");

    public string OtherRootCertificate => Certificate("other-root");

    /// <summary>The intermediate CA's certificate, or null when the host certificates come straight from the root.</summary>
    public string? IntermediateCertificate => File.Exists(Certificate("intermediate")) ? Certificate("intermediate") : null;

    public string Certificate(string name) => Path.Combine(Directory, name + ".crt");

    public string PrivateKey(string name) => Path.Combine(Directory, name + ".key");

    private void SelfSigned(string name, string dn)
    {
        Generate(name);
        Pki(Certificate(name), "--self", "--ca", "--lifetime", "30", "--in", PrivateKey(name), "--type", Key.Type, "--dn", dn);
    }

    private void Issue(string name, string issuer, string dn, string[] extra)
    {
        Generate(name);
        var publicKey = Path.Combine(Directory, name + ".pub");
        Pki(publicKey, "--pub", "--in", PrivateKey(name), "--type", Key.Type);
        Pki(Certificate(name), ["--issue", "--lifetime", "30", "--in", publicKey, "--type", "pub", "--cacert", Certificate(issuer), "--cakey", PrivateKey(issuer), "--dn", dn, .. extra]);
    }

    private void Generate(string name)
    {
        // 0600 before the key is written into it.
        File.WriteAllText(PrivateKey(name), "");
        File.SetUnixFileMode(PrivateKey(name), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Pki(PrivateKey(name), "--gen", "--type", Key.Type, "--size", Key.Size.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Runs pki with PEM output and writes what it printed to <paramref name="output"/>.</summary>
    private void Pki(string output, params string[] arguments)
    {
        var result = Tool.Run(["pki", .. arguments, "--outform", "pem"], TimeSpan.FromSeconds(120), environment: _environment).EnsureSuccess();
        File.WriteAllText(output, result.Output);
    }
}
