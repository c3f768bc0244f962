using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Rampart.Cli.Tests;

/// <summary>
/// The certificate commands end to end through the real CLI: the test CA makes the certificates, the store takes
/// them, and assigning a policy whose certificate method cannot work here is refused before anything is stored.
/// </summary>
public sealed class CertificateCliTests : IDisposable
{
    private readonly RampartProcess _rampart = new();
    private readonly string _work;

    public CertificateCliTests()
    {
        _work = Path.Combine(Path.GetDirectoryName(_rampart.Home)!, "work");
        Directory.CreateDirectory(_work, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private string RootDirectory => Path.Combine(_work, "root");

    [Fact]
    public void PolicyAssign_CertificateRuleWithoutAPrivateKey_IsRefusedWithTheWalkthroughsWords_UntilTheKeyIsImported()
    {
        CreateRootAndTrustIt();
        var p12 = Issue("host.example");
        var certificateOnly = Path.Combine(_work, "host.der");
        File.WriteAllBytes(certificateOnly, X509CertificateLoader.LoadPkcs12FromFile(p12, "").RawData);
        CreatePartnerPolicy("cert:Test Root");

        var noCertificate = _rampart.Run("policy", "assign", "Partner");
        Assert.Equal(1, noCertificate.ExitCode);
        Assert.Contains("Computer certificates must have a private key", noCertificate.Stderr, StringComparison.Ordinal);
        Assert.Contains("You have a private key that corresponds to this certificate", noCertificate.Stderr, StringComparison.Ordinal);
        Assert.Contains("'Test Root'", noCertificate.Stderr, StringComparison.Ordinal);
        Assert.False(IsAssigned("Partner"));

        _rampart.Ok("cert", "import", certificateOnly);
        var noKey = _rampart.Run("policy", "assign", "Partner");
        Assert.Equal(1, noKey.ExitCode);
        Assert.Contains("have no private key", noKey.Stderr, StringComparison.Ordinal);
        Assert.Contains("No private key corresponds to this certificate", _rampart.Ok("cert", "list"), StringComparison.Ordinal);
        Assert.False(IsAssigned("Partner"));

        _rampart.Ok("cert", "import", p12);
        Assert.Contains("You have a private key that corresponds to this certificate", _rampart.Ok("cert", "list"), StringComparison.Ordinal);
        _rampart.Ok("policy", "assign", "Partner");
        Assert.True(IsAssigned("Partner"));
    }

    [Fact]
    public void PolicyAssign_RuleNamingACaNotInTheTrustedStore_IsRefusedNamingIt()
    {
        CreateRootAndTrustIt();
        _rampart.Ok("cert", "import", Issue("host.example"));
        CreatePartnerPolicy("cert:Test Root", "cert:Partner Root");

        var result = _rampart.Run("policy", "assign", "Partner");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("'Partner Root'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("not in the trusted root store", result.Stderr, StringComparison.Ordinal);
        Assert.False(IsAssigned("Partner"));
    }

    [Fact]
    public void RuleAdd_ToTheAssignedPolicy_WithAnUnusableCertificateMethod_IsRefusedAndNotStored_OtherEditsStillWork()
    {
        CreateRootAndTrustIt();
        _rampart.Ok("cert", "import", Issue("host.example"));
        CreatePartnerPolicy("cert:Test Root");
        _rampart.Ok("policy", "assign", "Partner");
        _rampart.Ok("filterlist", "create", "Second Filter");
        _rampart.Ok("filter", "add", "Second Filter", "--src", "me", "--dst", "198.51.100.2");

        var refused = _rampart.Run("rule", "add", "Partner", "--filterlist", "Second Filter", "--action", "Partner Filter Action", "--auth", "cert:Other Root");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("'Other Root'", refused.Stderr, StringComparison.Ordinal);
        using (var rules = JsonDocument.Parse(_rampart.Ok("rule", "list", "Partner", "--json")))
        {
            Assert.Single(rules.RootElement.EnumerateArray());
        }

        // The certificate goes away: the rule already assigned is not re-judged by an unrelated edit.
        var deleted = _rampart.Run("cert", "delete", "host.example");
        Assert.Equal(0, deleted.ExitCode);
        Assert.Contains("warning: the assigned policy is affected", deleted.Stderr, StringComparison.Ordinal);
        _rampart.Ok("policy", "set", "Partner", "--description", "still editable");
        _rampart.Ok("policy", "unassign", "Partner");
        Assert.Equal(1, _rampart.Run("policy", "assign", "Partner").ExitCode);
    }

    [Fact]
    public void CertList_Json_ShowsTheFields_AndDeleteOfAnAmbiguousSubjectListsThumbprints()
    {
        CreateRootAndTrustIt();
        _rampart.Ok("ca", "create", Path.Combine(_work, "intermediate"), "--name", "Test Intermediate", "--issuer", RootDirectory);
        _rampart.Ok("cert", "import", Issue("twin.example"));
        _rampart.Ok("cert", "import", Issue("twin.example", Path.Combine(_work, "intermediate")));

        using var list = JsonDocument.Parse(_rampart.Ok("cert", "list", "--json"));
        var entries = list.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e =>
        {
            Assert.Equal("CN=twin.example, O=Rampart Tests", e.GetProperty("subject").GetString());
            Assert.True(e.GetProperty("hasPrivateKey").GetBoolean());
            Assert.Equal("ECDSA P-256", e.GetProperty("keyType").GetString());
            Assert.Equal(64, e.GetProperty("thumbprint").GetString()!.Length);
            Assert.False(string.IsNullOrEmpty(e.GetProperty("serial").GetString()));
            Assert.True(e.GetProperty("notAfter").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        });
        Assert.Contains(entries, e => e.GetProperty("issuer").GetString() == "CN=Test Intermediate" && e.GetProperty("chain").EnumerateArray().Single().GetString() == "CN=Test Intermediate");

        var ambiguous = _rampart.Run("cert", "delete", "twin.example");
        Assert.Equal(1, ambiguous.ExitCode);
        foreach (var entry in entries)
        {
            Assert.Contains(entry.GetProperty("thumbprint").GetString()!, ambiguous.Stderr, StringComparison.Ordinal);
        }

        _rampart.Ok("cert", "delete", entries[0].GetProperty("thumbprint").GetString()!);
        using var after = JsonDocument.Parse(_rampart.Ok("cert", "list", "--json"));
        Assert.Single(after.RootElement.EnumerateArray());
    }

    [Fact]
    public void CertTrusted_TrustUntrust_AndAnEndEntityIsNotACa()
    {
        CreateRootAndTrustIt();
        var hostDer = Path.Combine(_work, "host.der");
        File.WriteAllBytes(hostDer, X509CertificateLoader.LoadPkcs12FromFile(Issue("host.example"), "").RawData);

        using (var trusted = JsonDocument.Parse(_rampart.Ok("cert", "trusted", "--json")))
        {
            var root = Assert.Single(trusted.RootElement.EnumerateArray());
            Assert.Equal("Test Root", root.GetProperty("name").GetString());
            Assert.Equal("CN=Test Root", root.GetProperty("subject").GetString());
        }

        var notCa = _rampart.Run("cert", "trust", hostDer);
        Assert.Equal(1, notCa.ExitCode);
        Assert.Contains("not a CA certificate", notCa.Stderr, StringComparison.Ordinal);

        _rampart.Ok("cert", "untrust", "Test Root");
        Assert.Contains("empty", _rampart.Ok("cert", "trusted"), StringComparison.Ordinal);
    }

    [Fact]
    public void CertCrlCheck_DefaultsTo0_SetsAndShows_RefusesOtherValues()
    {
        Assert.StartsWith("CRL checking: 0", _rampart.Ok("cert", "crl-check"), StringComparison.Ordinal);

        _rampart.Ok("cert", "crl-check", "2");

        Assert.StartsWith("CRL checking: 2", _rampart.Ok("cert", "crl-check"), StringComparison.Ordinal);
        Assert.Equal(2, _rampart.Run("cert", "crl-check", "3").ExitCode);
    }

    [Fact]
    public void CertImport_HostileFiles_FailCleanly_AndStoreNothing()
    {
        var garbage = Path.Combine(_work, "garbage.p12");
        File.WriteAllBytes(garbage, System.Security.Cryptography.RandomNumberGenerator.GetBytes(4096));
        CreateRootAndTrustIt();
        var p12 = Issue("host.example", password: "right");
        var wrongPassword = Path.Combine(_work, "wrong");
        File.WriteAllText(wrongPassword, "wrong\n");
        File.SetUnixFileMode(wrongPassword, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var link = Path.Combine(_work, "link.p12");
        File.CreateSymbolicLink(link, "/dev/zero");

        foreach (var args in new[]
        {
            new[] { "cert", "import", garbage },
            ["cert", "import", p12, "--password-file", wrongPassword],
            ["cert", "import", link],
            ["cert", "import", Path.Combine(_work, "missing.pem")],
        })
        {
            var result = _rampart.Run(args);
            Assert.Equal(1, result.ExitCode);
            Assert.StartsWith("rampart: ", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        }

        Assert.Equal("[]", _rampart.Ok("cert", "list", "--json").Trim());
    }

    public void Dispose() => _rampart.Dispose();

    private void CreateRootAndTrustIt()
    {
        _rampart.Ok("ca", "create", RootDirectory, "--name", "Test Root", "--key", "ecdsa-p256");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(RootDirectory, "ca.key")));
        _rampart.Ok("cert", "trust", Path.Combine(RootDirectory, "ca.crt"));
    }

    private string Issue(string name, string? caDirectory = null, string? password = null)
    {
        var output = Path.Combine(_work, $"{name}-{Guid.NewGuid():N}.p12");
        string[] args = ["ca", "issue", caDirectory ?? RootDirectory, "--subject", $"CN={name}, O=Rampart Tests", "--ip", "192.0.2.1", "--dns", name, "--out", output];
        if (password is not null)
        {
            var passwordFile = Path.Combine(_work, "password-" + Guid.NewGuid().ToString("N"));
            File.WriteAllText(passwordFile, password + "\n");
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            args = [.. args, "--password-file", passwordFile];
        }

        _rampart.Ok(args);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
        return output;
    }

    private void CreatePartnerPolicy(params string[] auth)
    {
        _rampart.Ok("policy", "create", "Partner", "--no-default-response");
        _rampart.Ok("filterlist", "create", "Partner Filter");
        _rampart.Ok("filter", "add", "Partner Filter", "--src", "me", "--dst", "192.0.2.2");
        _rampart.Ok("filteraction", "create", "Partner Filter Action", "--negotiate", "--method", "medium");
        _rampart.Ok(["rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", .. auth.SelectMany(a => new[] { "--auth", a })]);
    }

    private bool IsAssigned(string policy)
    {
        using var list = JsonDocument.Parse(_rampart.Ok("policy", "list", "--json"));
        return list.RootElement.EnumerateArray().Single(p => p.GetProperty("name").GetString() == policy).GetProperty("assigned").GetBoolean();
    }
}
