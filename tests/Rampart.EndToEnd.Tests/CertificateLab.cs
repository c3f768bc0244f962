using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Rampart.Lab;
using Rampart.TestLab;

namespace Rampart.EndToEnd.Tests;

/// <summary>
/// Certificate authentication on a lab pair, all through the CLI: test CAs made with <c>rampart ca</c> in a temporary
/// directory (deleted with this object), certificates issued, imported and trusted on each host, and a Partner-like
/// policy whose rule authenticates with <c>cert:CA-NAME</c>.
/// </summary>
internal sealed class CertificateLab : IDisposable
{
    private readonly AgentHost _ca;

    /// <param name="ca">The host whose CLI runs the <c>rampart ca</c> commands (they use no host state).</param>
    public CertificateLab(AgentHost ca)
    {
        _ca = ca;
    }

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("rampart-lab-ca-").FullName;

    /// <summary>Creates a root CA named <paramref name="name"/> in its own subdirectory; returns that directory.</summary>
    public string CreateCa(string name, string key)
    {
        var path = Path.Combine(Directory, name.Replace(' ', '-'));
        _ca.Cli("ca", "create", path, "--name", name, "--key", key);
        return path;
    }

    /// <summary>Issues a certificate with its key (PKCS#12, no password) for <paramref name="address"/>; returns the file.</summary>
    public string Issue(string ca, string subject, string address, string key, string? crlUrl = null)
    {
        var file = Path.Combine(Directory, $"{subject.Replace('=', '-').Replace(',', '-').Replace(' ', '-')}-{Guid.NewGuid():N}.p12");
        _ca.Cli(["ca", "issue", ca, "--subject", subject, "--ip", address, "--key", key, "--out", file, .. crlUrl is null ? Array.Empty<string>() : ["--crl-url", crlUrl]]);
        return file;
    }

    /// <summary>The certificate of a PKCS#12 file alone, as DER (no private key).</summary>
    public static string CertificateOnly(string p12)
    {
        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(p12, null);
        var file = Path.ChangeExtension(p12, ".cer");
        File.WriteAllBytes(file, certificate.Export(X509ContentType.Cert));
        return file;
    }

    /// <summary>Imports <paramref name="p12"/> into <paramref name="host"/>'s personal store and trusts each CA directory's certificate.</summary>
    public static void Enroll(AgentHost host, string p12, params string[] trustedCas)
    {
        host.Cli("cert", "import", p12);
        foreach (var ca in trustedCas)
        {
            host.Cli("cert", "trust", Path.Combine(ca, "ca.crt"));
        }
    }

    /// <summary>
    /// The Partner policy with certificate authentication: a mirrored filter from the host's own address (not "me": a
    /// CRL server's address on the same host stays outside it) to the partner, Negotiate (high, no fallback), one rule
    /// with the <c>cert:</c> methods given; assigned.
    /// </summary>
    public static void BuildPolicy(AgentHost host, string partner, params string[] caNames)
    {
        host.Cli("filterlist", "create", "Partner Filter");
        host.Cli("filter", "add", "Partner Filter", "--src", host.Address, "--dst", partner);
        host.Cli("filteraction", "create", "Partner Filter Action", "--negotiate", "--method", "high");
        host.Cli("policy", "create", "Partner");
        host.Cli(["rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", .. caNames.SelectMany(n => new[] { "--auth", "cert:" + n })]);
        host.Assign("Partner");
    }

    /// <summary><c>rampart agent restart</c>, then waits until the agent holds no IKE state or SA and enforces its policy again.</summary>
    public static void Restart(AgentHost host)
    {
        host.Cli("agent", "restart");
        Wait.Until(
            () => host.ControlAsync("ike.status").Result.GetProperty("mainModes").GetArrayLength() == 0 && host.SaList().Count == 0,
            TimeSpan.FromSeconds(15),
            $"IKE state cleared by the restart on host {host.Name}");
        host.WaitUntilEnforcing("Partner");
    }

    /// <summary><c>rampart monitor --once --json</c>.</summary>
    public static JsonElement Monitor(AgentHost host)
    {
        using var document = JsonDocument.Parse(host.Cli("monitor", "--once", "--json"));
        return document.RootElement.Clone();
    }

    public static string? Field(JsonElement record, string name) =>
        record.GetProperty("fields").EnumerateArray().FirstOrDefault(f => f.GetProperty("name").GetString() == name) is { ValueKind: JsonValueKind.Object } field
            ? field.GetProperty("value").GetString()
            : null;

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
