using Rampart.Core.Policy;

namespace Rampart.Core.Tests.Policy;

public class DefaultResponseAuthenticationTests
{
    private static readonly PolicySnapshot BuiltIns = BuiltInPolicies.Snapshot;

    [Fact]
    public void Unset_TheDefaultResponseRuleAuthenticatesWithKerberos()
    {
        var client = BuiltIns.FindPolicy(BuiltInPolicies.Client)!;
        Assert.Null(client.DefaultResponseAuthentication);
        Assert.Equal([AuthenticationMethod.Kerberos], client.EffectiveDefaultResponseRule.AuthenticationMethods);
    }

    [Fact]
    public void SetPolicy_ReplacesTheDefaultResponseMethods_AndKeepsThemOnOtherEdits()
    {
        var edit = PolicyEditor.SetPolicy(BuiltIns, "Client", defaultResponseAuthentication: [new AuthenticationMethod.PreSharedKey("ABC123")]);
        Assert.True(edit.Succeeded, string.Join("; ", edit.Errors));
        var again = PolicyEditor.SetPolicy(edit.Snapshot!, "Client", description: "answers with a key");
        var client = again.Snapshot!.FindPolicy(BuiltInPolicies.Client)!;
        Assert.Equal([new AuthenticationMethod.PreSharedKey("ABC123")], client.EffectiveDefaultResponseRule.AuthenticationMethods);
    }

    [Fact]
    public void Validator_RefusesABlankDefaultResponseKey()
    {
        var client = BuiltIns.FindPolicy(BuiltInPolicies.Client)! with
        {
            DefaultResponseAuthentication = EquatableList.Of<AuthenticationMethod>(new AuthenticationMethod.PreSharedKey(" ")),
        };
        var errors = PolicyValidator.Validate(BuiltIns.WithPolicy(client)).ToList();
        Assert.Contains(errors, e => e.Contains("default response rule", StringComparison.Ordinal) && e.Contains("blank", StringComparison.Ordinal));
    }

    [Fact]
    public void Json_RoundTripsTheMethods_AndMasksTheKeyUnlessAsked()
    {
        var client = BuiltIns.FindPolicy(BuiltInPolicies.Client)! with
        {
            DefaultResponseAuthentication = EquatableList.Of<AuthenticationMethod>(new AuthenticationMethod.PreSharedKey("ABC123")),
        };
        var masked = PolicyJsonWriter.ToJson(w => PolicyJsonWriter.WritePolicy(w, client, includeSecrets: false, assigned: null));
        Assert.DoesNotContain("ABC123", masked, StringComparison.Ordinal);
        Assert.Contains("defaultResponseAuthentication", masked, StringComparison.Ordinal);

        var document = new PolicyDocument(client, BuiltIns.FilterLists, BuiltIns.FilterActions);
        var json = PolicyJsonWriter.ToJson(w => PolicyJsonWriter.WriteDocument(w, document, includeSecrets: true));
        Assert.True(PolicyJsonReader.TryReadDocument(json, out var read, out var error), error);
        Assert.Equal(client, read!.Policy);
    }

    [Fact]
    public void Json_RoundTripsTheIkeEkuRequirement()
    {
        var client = BuiltIns.FindPolicy(BuiltInPolicies.Client)! with
        {
            DefaultResponseAuthentication = EquatableList.Of<AuthenticationMethod>(
                new AuthenticationMethod.Certificate("Root One", RequireIkeEku: true), new AuthenticationMethod.Certificate("Root Two")),
        };
        var document = new PolicyDocument(client, BuiltIns.FilterLists, BuiltIns.FilterActions);
        var json = PolicyJsonWriter.ToJson(w => PolicyJsonWriter.WriteDocument(w, document, includeSecrets: false));
        Assert.Contains("\"ikeEku\": true", json, StringComparison.Ordinal);
        Assert.True(PolicyJsonReader.TryReadDocument(json, out var read, out var error), error);
        Assert.Equal(client, read!.Policy);
    }
}
