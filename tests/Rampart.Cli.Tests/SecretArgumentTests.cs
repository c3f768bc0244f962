using System.Text.Json;

namespace Rampart.Cli.Tests;

/// <summary>
/// Keys without argv: <c>psk:@FILE</c>, <c>psk:-</c> and <c>ALG:@FILE</c>, <c>ALG:-</c> for <c>sa add</c> give exactly
/// the key the inline form gives, while the command line (what /proc/PID/cmdline shows) holds only the file name or '-'.
/// </summary>
public sealed class SecretArgumentTests : IDisposable
{
    private const string AeadKey = "00112233445566778899aabbccddeeff01020304";
    private const string CbcKey = "000102030405060708090a0b0c0d0e0f";
    private const string HmacKey = "1111111111111111111111111111111111111111111111111111111111111111";

    private readonly RampartProcess _rampart = new();
    private readonly string _files = Path.Combine(Path.GetTempPath(), "rampart-keys-" + Guid.NewGuid().ToString("N"));

    public SecretArgumentTests() => Directory.CreateDirectory(_files);

    [Fact]
    public void RuleAdd_PskFromFile_StoresTheKeyTheInlineFormStores()
    {
        var file = KeyFile("partner.key", "s3cret key\n");
        string[] command = ["rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", "--auth", "psk:@" + file];
        CreatePartnerParts(_rampart);

        _rampart.Ok(command);

        Assert.DoesNotContain(command, word => word.Contains("s3cret", StringComparison.Ordinal));
        Assert.Equal("s3cret key", StoredKeys(_rampart, "Partner").Single());
        Assert.Equal(InlineExport("s3cret key"), _rampart.Ok("policy", "export", "Partner", "--include-secrets"));
    }

    [Fact]
    public void RuleAdd_PskFromStdin_StoresTheKeyWithoutItsNewline()
    {
        CreatePartnerParts(_rampart);

        var result = _rampart.RunWithInput("from stdin\r\n", "rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", "--auth", "psk:-");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("from stdin", StoredKeys(_rampart, "Partner").Single());
        Assert.Equal(InlineExport("from stdin"), _rampart.Ok("policy", "export", "Partner", "--include-secrets"));
    }

    [Fact]
    public void RuleAdd_KeyFileReadableByOthers_IsRefusedAndNothingStored()
    {
        var file = KeyFile("open.key", "s3cret\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        CreatePartnerParts(_rampart);

        var result = _rampart.Run("rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", "--auth", "psk:@" + file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("accessible by group or others", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("chmod 600", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(StoredKeys(_rampart, "Partner"));
    }

    [Fact]
    public void RuleAdd_MissingKeyFile_IsAClearError()
    {
        CreatePartnerParts(_rampart);

        var result = _rampart.Run("rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", "--auth", "psk:@" + Path.Combine(_files, "none.key"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not exist", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void RuleAdd_TwoKeysFromStdin_IsRefused()
    {
        CreatePartnerParts(_rampart);

        var result = _rampart.RunWithInput("k1\n", "rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", "--auth", "psk:-", "--auth", "psk:-");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("only one can", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(StoredKeys(_rampart, "Partner"));
    }

    [Fact]
    public void PolicySet_DefaultResponseAuthFromFileAndStdin_StoresTheKeys()
    {
        var file = KeyFile("client.key", "client key\n");

        var result = _rampart.RunWithInput("second\n", "policy", "set", "Client", "--default-response-auth", "psk:@" + file, "--default-response-auth", "psk:-");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var export = JsonDocument.Parse(_rampart.Ok("policy", "export", "Client", "--include-secrets"));
        var keys = export.RootElement.GetProperty("policy").GetProperty("defaultResponseAuthentication").EnumerateArray()
            .Select(m => m.GetProperty("key").GetString()).ToList();
        Assert.Equal(["client key", "second"], keys);
    }

    [Fact]
    public void SaAdd_KeysFromFileAndStdin_ReachTheAgentAsTheInlineFormDoes()
    {
        using var agent = new FakeAgent(_rampart.Home, _ => SaAdded());
        var cipherFile = KeyFile("cbc.key", CbcKey + "\n");

        _rampart.Ok("sa", "add", "--src", "192.0.2.1", "--dst", "192.0.2.2", "--spi", "4096", "--enc", "aes-cbc-128:" + CbcKey, "--auth", "sha256:" + HmacKey);
        var viaFiles = _rampart.RunWithInput(HmacKey + "\n", "sa", "add", "--src", "192.0.2.1", "--dst", "192.0.2.2", "--spi", "4096", "--enc", "aes-cbc-128:@" + cipherFile, "--auth", "sha256:-");

        Assert.True(viaFiles.ExitCode == 0, viaFiles.Stderr);
        var requests = agent.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal(requests[0].Arguments!.Value.GetRawText(), requests[1].Arguments!.Value.GetRawText());
        Assert.Equal("aes-cbc-128:" + CbcKey, requests[1].Arguments!.Value.GetProperty("enc").GetString());
        Assert.Equal("sha256:" + HmacKey, requests[1].Arguments!.Value.GetProperty("auth").GetString());
    }

    [Fact]
    public void SaAdd_AeadKeyFromFile_IsSentAsTheHexKey()
    {
        using var agent = new FakeAgent(_rampart.Home, _ => SaAdded());
        var file = KeyFile("gcm.key", AeadKey + "\n");

        _rampart.Ok("sa", "add", "--src", "192.0.2.1", "--dst", "192.0.2.2", "--spi", "4096", "--aead", "aes-gcm-128:@" + file);

        Assert.Equal("aes-gcm-128:" + AeadKey, Assert.Single(agent.Requests).Arguments!.Value.GetProperty("aead").GetString());
    }

    [Fact]
    public void SaAdd_TwoKeysFromStdin_IsRefusedBeforeAskingTheAgent()
    {
        using var agent = new FakeAgent(_rampart.Home, _ => SaAdded());

        var result = _rampart.RunWithInput(CbcKey + "\n", "sa", "add", "--src", "192.0.2.1", "--dst", "192.0.2.2", "--spi", "4096", "--enc", "aes-cbc-128:-", "--auth", "sha256:-");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--auth and --enc both read a key from standard input", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(agent.Requests);
    }

    [Theory]
    [InlineData("0x1001", 4097u)]
    [InlineData("0XF0000001", 4026531841u)]
    [InlineData("4096", 4096u)]
    [InlineData("4294967295", 4294967295u)]
    public void SaAdd_Spi_AcceptsDecimalAndHexadecimal(string spi, uint expected)
    {
        using var agent = new FakeAgent(_rampart.Home, _ => SaAdded());

        _rampart.Ok("sa", "add", "--src", "192.0.2.1", "--dst", "192.0.2.2", "--spi", spi, "--aead", "aes-gcm-128:" + AeadKey);

        Assert.Equal(expected, Assert.Single(agent.Requests).Arguments!.Value.GetProperty("spi").GetUInt32());
    }

    [Fact]
    public void SaDelete_Spi_AcceptsHexadecimal()
    {
        using var agent = new FakeAgent(_rampart.Home, _ => SaAdded());

        _rampart.Ok("sa", "delete", "--spi", "0x1001");

        Assert.Equal(4097u, Assert.Single(agent.Requests).Arguments!.Value.GetProperty("spi").GetUInt32());
    }

    [Theory]
    [InlineData("0xff", "reserved")]
    [InlineData("255", "reserved")]
    [InlineData("0x1g", "expected a number from 256")]
    [InlineData("0x100000000", "expected a number from 256")]
    [InlineData("-5", "expected a number from 256")]
    public void SaAdd_BadSpi_IsAUsageError(string spi, string message)
    {
        var result = _rampart.Run("sa", "add", "--src", "192.0.2.1", "--dst", "192.0.2.2", "--spi", spi, "--aead", "aes-gcm-128:" + AeadKey);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SaList_Json_KeepsSpisUnsignedDecimal()
    {
        using var agent = new FakeAgent(_rampart.Home, _ => new[] { SaAdded(4026531842) });

        using var json = JsonDocument.Parse(_rampart.Ok("sa", "list", "--json"));

        var spi = Assert.Single(json.RootElement.EnumerateArray()).GetProperty("spi");
        Assert.Equal(JsonValueKind.Number, spi.ValueKind);
        Assert.Equal("4026531842", spi.GetRawText());
    }

    public void Dispose()
    {
        _rampart.Dispose();
        Directory.Delete(_files, recursive: true);
    }

    private static object SaAdded(uint spi = 4096) => new
    {
        Spi = spi,
        Direction = "outbound",
        Protocol = "ESP",
        Mode = "transport",
        Local = "192.0.2.1",
        Remote = "192.0.2.2",
        Security = "ESP AES-GCM-128",
        Manual = true,
        Packets = 0,
        Bytes = 0,
    };

    private static void CreatePartnerParts(RampartProcess rampart)
    {
        rampart.Ok("policy", "create", "Partner", "--no-default-response");
        rampart.Ok("filterlist", "create", "Partner Filter");
        rampart.Ok("filter", "add", "Partner Filter", "--src", "me", "--dst", "192.0.2.2");
        rampart.Ok("filteraction", "create", "Partner Filter Action", "--negotiate", "--method", "medium");
    }

    private static List<string?> StoredKeys(RampartProcess rampart, string policy)
    {
        using var export = JsonDocument.Parse(rampart.Ok("policy", "export", policy, "--include-secrets"));
        return [.. export.RootElement.GetProperty("policy").GetProperty("rules").EnumerateArray()
            .SelectMany(r => r.GetProperty("authentication").EnumerateArray())
            .Select(m => m.GetProperty("key").GetString())];
    }

    /// <summary>The export of the same policy built with the walkthrough's inline <c>--auth psk:KEY</c>.</summary>
    private static string InlineExport(string key)
    {
        using var inline = new RampartProcess();
        CreatePartnerParts(inline);
        inline.Ok("rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", "--auth", "psk:" + key);
        return inline.Ok("policy", "export", "Partner", "--include-secrets");
    }

    private string KeyFile(string name, string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(_files, name);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }
}
