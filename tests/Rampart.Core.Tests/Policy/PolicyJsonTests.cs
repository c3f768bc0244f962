using Rampart.Core.Algorithms;
using Rampart.Core.Policy;
using Rampart.Core.SecurityAssociations;

namespace Rampart.Core.Tests.Policy;

public class PolicyJsonTests
{
    public static TheoryData<string> AllPolicies => [BuiltInPolicies.Client, BuiltInPolicies.Server, BuiltInPolicies.SecureServer, "Partner"];

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void ExportThenImport_IsExact(string name)
    {
        var snapshot = TestPolicies.Partner();
        var document = PolicyDocument.From(snapshot, snapshot.FindPolicy(name)!);
        var json = PolicyJsonWriter.ToJson(w => PolicyJsonWriter.WriteDocument(w, document, includeSecrets: true));

        Assert.True(PolicyJsonReader.TryReadDocument(json, out var read, out var error), error);
        Assert.Equal(document.Policy, read.Policy);
        Assert.Equal(document.FilterLists, read.FilterLists);
        Assert.Equal(document.FilterActions, read.FilterActions);
        Assert.Equal(json, PolicyJsonWriter.ToJson(w => PolicyJsonWriter.WriteDocument(w, read, includeSecrets: true)));
    }

    [Fact]
    public void StoredFilterAction_FromBeforeTheProtocolEnumsMerged_ReadsAndWritesBackIdentically()
    {
        // A filter_actions row as the store held it when the policy model had its own IpsecProtocol enum.
        const string Stored = """{"name":"Stored","description":"written before SaProtocol","kind":"negotiate","securityMethods":[{"protocol":"esp","cipher":"aes-gcm-128","integrity":"none","lifetimeSeconds":900,"lifetimeKilobytes":100000,"legacy":false},{"protocol":"ah","cipher":null,"integrity":"sha256","lifetimeSeconds":900,"lifetimeKilobytes":100000,"legacy":false}],"acceptUnsecured":false,"allowFallbackToClear":false,"sessionKeyPfs":false}""";

        Assert.True(PolicyJsonReader.TryReadFilterAction(Stored, out var action, out var error), error);
        Assert.Equal([SaProtocol.Esp, SaProtocol.Ah], action.SecurityMethods.Select(m => m.Protocol));
        Assert.Equal(Stored, PolicyJsonWriter.ToJson(w => PolicyJsonWriter.WriteFilterAction(w, action), indented: false));
        Assert.Equal("[\"esp\",\"ah\"]", System.Text.Json.JsonSerializer.Serialize(new[] { SaProtocol.Esp, SaProtocol.Ah }, Control.ControlJson.Options));
    }

    [Fact]
    public void ImportIntoFreshSnapshot_RecreatesPartnerExactly()
    {
        var source = TestPolicies.Partner();
        var json = PolicyJsonWriter.ToJson(w => PolicyJsonWriter.WriteDocument(w, PolicyDocument.From(source, source.FindPolicy("Partner")!), includeSecrets: true));
        Assert.True(PolicyJsonReader.TryReadDocument(json, out var document, out _));

        var edit = PolicyEditor.ImportPolicy(BuiltInPolicies.Snapshot, document);

        Assert.True(edit.Succeeded);
        Assert.Equal(source, edit.Snapshot);
        Assert.Equal("created filter list 'Partner Filter'\ncreated filter action 'Partner Filter Action'\ncreated policy 'Partner'", edit.Message.ReplaceLineEndings("\n"));
        Assert.Contains("replaced policy 'Partner'", PolicyEditor.ImportPolicy(source, document).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_MasksKeysUnlessSecretsIncluded()
    {
        var snapshot = TestPolicies.Partner();
        var document = PolicyDocument.From(snapshot, snapshot.FindPolicy("Partner")!);

        var masked = PolicyJsonWriter.ToJson(w => PolicyJsonWriter.WriteDocument(w, document, includeSecrets: false));
        var clear = PolicyJsonWriter.ToJson(w => PolicyJsonWriter.WriteDocument(w, document, includeSecrets: true));

        Assert.DoesNotContain("ABC123", masked, StringComparison.Ordinal);
        Assert.Contains("\"key\": \"********\"", masked, StringComparison.Ordinal);
        Assert.Contains("\"key\": \"ABC123\"", clear, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_RefusesMaskedKey()
    {
        var snapshot = TestPolicies.Partner();
        var masked = PolicyJsonWriter.ToJson(w => PolicyJsonWriter.WriteDocument(w, PolicyDocument.From(snapshot, snapshot.FindPolicy("Partner")!), includeSecrets: false));

        Assert.False(PolicyJsonReader.TryReadDocument(masked, out _, out var error));
        Assert.Equal("policy 'Partner': the pre-shared key is masked (********); export with --include-secrets or put the key in the file", error);
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("{\"format\":\"other/1\"}", "unsupported format 'other/1'")]
    [InlineData("{\"format\":\"rampart-policy/1\"}", "missing member 'policy'")]
    [InlineData("[]", "missing member 'format'")]
    [InlineData("{\"format\":3}", "unexpected JSON value type")]
    public void Import_BadDocument_ExplainsWithoutThrowing(string json, string expected)
    {
        Assert.False(PolicyJsonReader.TryReadDocument(json, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void LegacyAlgorithms_AreMarkedInJson()
    {
        var action = new FilterAction("Old", "", FilterActionKind.Negotiate,
            EquatableList.Of(new SecurityMethod(SaProtocol.Esp, CipherAlgorithm.TripleDes, IntegrityAlgorithm.Sha1), SecurityMethod.Medium[0]));
        var json = PolicyJsonWriter.ToJson(w => PolicyJsonWriter.WriteFilterAction(w, action), indented: false);

        Assert.Contains("\"cipher\":\"3des\",\"integrity\":\"sha1\",\"lifetimeSeconds\":900,\"lifetimeKilobytes\":2097152,\"legacy\":true", json, StringComparison.Ordinal);
        Assert.Contains("\"integrity\":\"sha256\",\"lifetimeSeconds\":900,\"lifetimeKilobytes\":2097152,\"legacy\":false", json, StringComparison.Ordinal);
    }
}
