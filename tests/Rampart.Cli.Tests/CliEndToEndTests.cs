using System.Runtime.Versioning;
using System.Text.Json;

namespace Rampart.Cli.Tests;

public sealed class CliEndToEndTests : IDisposable
{
    private readonly RampartProcess _rampart = new();

    /// <summary>The walkthrough's Partner sequence exactly as README.md shows it, split as a shell would.</summary>
    public static IReadOnlyList<string[]> ReadmePartnerSequence()
    {
        var lines = File.ReadAllLines(Path.Combine(RampartProcess.RepositoryRoot, "README.md"))
            .SkipWhile(l => !l.StartsWith("## The walkthrough's custom policy", StringComparison.Ordinal))
            .TakeWhile(l => !l.StartsWith("## Command reference", StringComparison.Ordinal))
            .Where(l => l.StartsWith("    ./rampart ", StringComparison.Ordinal))
            .Select(l => ShellWords(l["    ./rampart ".Length..]).ToArray())
            .ToList();
        return lines;
    }

    [Fact]
    public void Readme_ShowsTheWalkthroughSequence()
    {
        string[][] expected =
        [
            ["policy", "create", "Partner", "--no-default-response"],
            ["filterlist", "create", "Partner Filter"],
            ["filter", "add", "Partner Filter", "--src", "me", "--dst", "192.0.2.2"],
            ["filteraction", "create", "Partner Filter Action", "--negotiate", "--method", "medium"],
            ["rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", "--auth", "psk:ABC123"],
            ["policy", "assign", "Partner"],
        ];
        Assert.Equal(expected, ReadmePartnerSequence());
    }

    [Fact]
    public void PartnerSequence_FromReadme_BuildsTheRightPolicy()
    {
        RunPartnerSequence();

        using var show = JsonDocument.Parse(_rampart.Ok("policy", "show", "Partner", "--json"));
        var policy = show.RootElement;
        Assert.Equal("Partner", policy.GetProperty("name").GetString());
        Assert.True(policy.GetProperty("assigned").GetBoolean());
        Assert.False(policy.GetProperty("defaultResponseRule").GetBoolean());
        Assert.Equal(480, policy.GetProperty("keyExchange").GetProperty("mainModeLifetimeMinutes").GetInt32());
        var rule = Assert.Single(policy.GetProperty("rules").EnumerateArray());
        Assert.Equal("Partner Filter", rule.GetProperty("filterList").GetString());
        Assert.Equal("Partner Filter Action", rule.GetProperty("filterAction").GetString());
        Assert.Equal(JsonValueKind.Null, rule.GetProperty("tunnelEndpoint").ValueKind);
        var auth = Assert.Single(rule.GetProperty("authentication").EnumerateArray());
        Assert.Equal("psk", auth.GetProperty("method").GetString());
        Assert.Equal("********", auth.GetProperty("key").GetString());

        using var list = JsonDocument.Parse(_rampart.Ok("filterlist", "show", "Partner Filter", "--json"));
        var filter = Assert.Single(list.RootElement.GetProperty("filters").EnumerateArray());
        Assert.Equal("me", filter.GetProperty("source").GetString());
        Assert.Equal("192.0.2.2", filter.GetProperty("destination").GetString());
        Assert.Equal("any", filter.GetProperty("protocol").GetString());
        Assert.True(filter.GetProperty("mirrored").GetBoolean());

        using var action = JsonDocument.Parse(_rampart.Ok("filteraction", "show", "Partner Filter Action", "--json"));
        Assert.Equal("negotiate", action.RootElement.GetProperty("kind").GetString());
        Assert.False(action.RootElement.GetProperty("allowFallbackToClear").GetBoolean());
        var method = Assert.Single(action.RootElement.GetProperty("securityMethods").EnumerateArray());
        Assert.Equal("ah", method.GetProperty("protocol").GetString());
        Assert.Equal("sha256", method.GetProperty("integrity").GetString());
    }

    [Fact]
    public void PolicyList_Json_ShowsNamesAndTheAssignedPolicy()
    {
        RunPartnerSequence();

        using var list = JsonDocument.Parse(_rampart.Ok("policy", "list", "--json"));
        var policies = list.RootElement.EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("assigned").GetBoolean());
        Assert.Equal(
            new Dictionary<string, bool>
            {
                ["Client (Respond Only)"] = false,
                ["Server (Request Security)"] = false,
                ["Secure Server (Require Security)"] = false,
                ["Partner"] = true,
            },
            policies);
    }

    [Fact]
    public void Assign_ReplacesAndSaysWhichWasUnassigned()
    {
        RunPartnerSequence();

        var output = _rampart.Ok("policy", "assign", "Secure Server");

        Assert.Contains("assigned policy 'Secure Server (Require Security)' (unassigned 'Partner'", output, StringComparison.Ordinal);
        Assert.Contains("Secure Server (Require Security)  yes", _rampart.Ok("policy", "list"), StringComparison.Ordinal);
        Assert.Contains("unassigned policy 'Secure Server (Require Security)'", _rampart.Ok("policy", "unassign", "secure server"), StringComparison.Ordinal);
    }

    [Fact]
    public void PreSharedKey_IsMaskedEverywhereExceptExplicitExport()
    {
        RunPartnerSequence();

        foreach (var args in new[]
        {
            new[] { "policy", "list" }, ["policy", "list", "--json"], ["policy", "show", "Partner"], ["policy", "show", "Partner", "--json"],
            ["rule", "list", "Partner"], ["rule", "list", "Partner", "--json"], ["policy", "export", "Partner"],
        })
        {
            Assert.DoesNotContain("ABC123", _rampart.Ok(args), StringComparison.Ordinal);
        }

        Assert.Contains("psk:********", _rampart.Ok("policy", "show", "Partner"), StringComparison.Ordinal);
        Assert.Contains("\"key\": \"ABC123\"", _rampart.Ok("policy", "export", "Partner", "--include-secrets"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Client (Respond Only)")]
    [InlineData("Server (Request Security)")]
    [InlineData("Secure Server (Require Security)")]
    [InlineData("Partner")]
    public void ExportImport_IntoAnotherHome_IsExact(string name)
    {
        RunPartnerSequence();
        var exported = _rampart.Ok("policy", "export", name, "--include-secrets");

        using var other = new RampartProcess();
        var imported = other.RunWithInput(exported, "policy", "import", "-");

        Assert.Equal(0, imported.ExitCode);
        Assert.Contains(name == "Partner" ? $"created policy '{name}'" : $"replaced policy '{name}'", imported.Stdout, StringComparison.Ordinal);
        Assert.Equal(exported, other.Ok("policy", "export", name, "--include-secrets"));
    }

    [Fact]
    public void Import_MaskedExport_IsRefused()
    {
        RunPartnerSequence();
        var file = Path.Combine(Path.GetDirectoryName(_rampart.Home)!, "partner.json");
        File.WriteAllText(file, _rampart.Ok("policy", "export", "Partner"));

        var result = _rampart.Run("policy", "import", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the pre-shared key is masked", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_ExitNonZeroWithTheMessageAndNoStackTrace()
    {
        RunPartnerSequence();
        (string[] Args, int Exit, string Message)[] cases =
        [
            (["policy", "show", "Partnr"], 1, "no policy named 'Partnr'; did you mean 'Partner'?"),
            (["policy", "delete", "Partner"], 1, "policy 'Partner' is assigned; unassign it first"),
            (["filterlist", "delete", "Partner Filter"], 1, "filter list 'Partner Filter' is used by rule 1 of policy 'Partner'"),
            (["filteraction", "delete", "Partner Filter Action"], 1, "filter action 'Partner Filter Action' is used by rule 1 of policy 'Partner'"),
            (["rule", "add", "Partner", "--filterlist", "All IP Traffic", "--action", "Require Security"], 1, "need different authentication methods"),
            (["rule", "add", "Client", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", "--auth", "psk: "], 1, "the pre-shared key is blank"),
            (["rule", "add", "Client", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", "--auth", "cert:A", "--auth", "kerberos", "--auth", "cert:B"], 1, "certificate methods must be contiguous"),
            (["filteraction", "create", "X", "--negotiate", "--method", "esp:aes-gcm-128/sha256"], 1, "is an AEAD cipher and provides its own integrity"),
            (["filteraction", "create", "X", "--negotiate", "--method", "esp:rot13"], 2, "unknown cipher 'rot13'; expected one of: 3des, aes-cbc-128, aes-cbc-256, aes-gcm-128"),
            (["filteraction", "create", "X", "--permit", "--block"], 2, "give exactly one of --permit, --block or --negotiate"),
            (["filter", "add", "Partner Filter", "--src", "me"], 2, "--dst"),
            (["filter", "add", "Partner Filter", "--src", "me", "--dst", "192.0.2.300"], 2, "invalid address '192.0.2.300'"),
            (["filter", "add", "Partner Filter", "--src", "me", "--dst", "any", "--dst-port", "80"], 1, "a port needs protocol tcp or udp"),
            (["policy", "set", "Partner", "--mm-method", "aes-cbc-256/sha256"], 2, "expected CIPHER/HASH/GROUP"),
            (["policy", "frobnicate"], 2, "frobnicate"),
        ];
        foreach (var (args, exit, message) in cases)
        {
            var result = _rampart.Run(args);
            Assert.True(exit == result.ExitCode, $"rampart {string.Join(' ', args)}: exit {result.ExitCode}, stderr {result.Stderr}");
            Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void OneWayFilter_InNegotiatingRule_IsRefusedAndNothingStored()
    {
        _rampart.Ok("filterlist", "create", "Out");
        _rampart.Ok("filter", "add", "Out", "--src", "me", "--dst", "198.51.100.0/24", "--no-mirror");
        var before = _rampart.Ok("policy", "export", "Client");

        var result = _rampart.Run("rule", "add", "Client", "--filterlist", "Out", "--action", "Require Security");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("one-way IPsec protection is not allowed", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, _rampart.Ok("policy", "export", "Client"));
        Assert.Contains("added rule 1", _rampart.Ok("rule", "add", "Client", "--filterlist", "Out", "--action", "Permit"), StringComparison.Ordinal);
    }

    [Fact]
    public void LegacyAlgorithms_AreAcceptedAndMarked()
    {
        _rampart.Ok("filteraction", "create", "Old", "--negotiate", "--method", "esp:3des/sha1@3600s@100000kb");
        _rampart.Ok("policy", "set", "Client", "--mm-method", "3des/sha1/modp1024", "--mm-lifetime", "60", "--mm-pfs");

        Assert.Contains("(legacy)", _rampart.Ok("filteraction", "show", "Old"), StringComparison.Ordinal);
        Assert.Contains("3des/sha1/modp1024 (legacy)", _rampart.Ok("policy", "show", "Client"), StringComparison.Ordinal);
        using var action = JsonDocument.Parse(_rampart.Ok("filteraction", "show", "Old", "--json"));
        var method = Assert.Single(action.RootElement.GetProperty("securityMethods").EnumerateArray());
        Assert.True(method.GetProperty("legacy").GetBoolean());
        Assert.Equal(3600, method.GetProperty("lifetimeSeconds").GetInt32());
        Assert.Equal(100000, method.GetProperty("lifetimeKilobytes").GetInt64());
        using var policy = JsonDocument.Parse(_rampart.Ok("policy", "show", "Client", "--json"));
        var keyExchange = policy.RootElement.GetProperty("keyExchange");
        Assert.True(Assert.Single(keyExchange.GetProperty("methods").EnumerateArray()).GetProperty("legacy").GetBoolean());
        Assert.True(keyExchange.GetProperty("masterKeyPfs").GetBoolean());
        Assert.Equal(60, keyExchange.GetProperty("mainModeLifetimeMinutes").GetInt32());
    }

    [Fact]
    public void ExtraCommands_ListAndDeleteFiltersAndRules()
    {
        RunPartnerSequence();
        _rampart.Ok("filter", "add", "Partner Filter", "--src", "me", "--dst", "2001:db8::2", "--protocol", "tcp", "--dst-port", "443");

        using var filters = JsonDocument.Parse(_rampart.Ok("filter", "list", "Partner Filter", "--json"));
        Assert.Equal(2, filters.RootElement.GetArrayLength());
        Assert.Equal(443, filters.RootElement[1].GetProperty("destinationPort").GetInt32());
        _rampart.Ok("filter", "delete", "Partner Filter", "1");
        Assert.Contains("2001:db8::2", _rampart.Ok("filter", "list", "Partner Filter"), StringComparison.Ordinal);

        _rampart.Ok("policy", "unassign", "Partner");
        _rampart.Ok("rule", "delete", "Partner", "1");
        _rampart.Ok("filterlist", "delete", "Partner Filter");
        _rampart.Ok("filteraction", "delete", "Partner Filter Action");
        _rampart.Ok("policy", "delete", "Partner");
        using var lists = JsonDocument.Parse(_rampart.Ok("filterlist", "list", "--json"));
        Assert.Equal(["All IP Traffic", "All ICMP Traffic"], lists.RootElement.EnumerateArray().Select(l => l.GetProperty("name").GetString()));
        using var actions = JsonDocument.Parse(_rampart.Ok("filteraction", "list", "--json"));
        Assert.Equal(3, actions.RootElement.GetArrayLength());
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public void StateDirectoryAndDatabase_ArePrivate()
    {
        _rampart.Ok("policy", "list");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_rampart.Home));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_rampart.Home, "policy.db")));
    }

    public void Dispose() => _rampart.Dispose();

    private void RunPartnerSequence()
    {
        foreach (var args in ReadmePartnerSequence())
        {
            _rampart.Ok(args);
        }
    }

    /// <summary>Splits a README command line as bash would for these simple cases: spaces, double quotes.</summary>
    private static IEnumerable<string> ShellWords(string line)
    {
        var word = new System.Text.StringBuilder();
        var quoted = false;
        var inWord = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
                inWord = true;
            }
            else if (c == ' ' && !quoted)
            {
                if (inWord)
                {
                    yield return word.ToString();
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            yield return word.ToString();
        }
    }
}
