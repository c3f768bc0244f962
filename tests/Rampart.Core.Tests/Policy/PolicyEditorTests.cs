using Rampart.Core.Policy;

namespace Rampart.Core.Tests.Policy;

public class PolicyEditorTests
{
    [Fact]
    public void Assign_ReplacesTheAssignedPolicyAndSaysSo()
    {
        var snapshot = TestPolicies.Apply(PolicyEditor.AssignPolicy(TestPolicies.Partner(), "Partner"));
        Assert.Equal("Partner", snapshot.AssignedPolicyName);

        var edit = PolicyEditor.AssignPolicy(snapshot, "Secure Server");

        Assert.Equal(BuiltInPolicies.SecureServer, edit.Snapshot!.AssignedPolicyName);
        Assert.Equal("assigned policy 'Secure Server (Require Security)' (unassigned 'Partner': exactly one policy is assigned at a time)", edit.Message);
    }

    [Fact]
    public void Unassign_OnlyTheAssignedPolicy()
    {
        var snapshot = TestPolicies.Apply(PolicyEditor.AssignPolicy(TestPolicies.Partner(), "Client"));

        Assert.Equal("policy 'Partner' is not assigned ('Client (Respond Only)' is)", Assert.Single(PolicyEditor.UnassignPolicy(snapshot, "Partner").Errors));
        Assert.Null(TestPolicies.Apply(PolicyEditor.UnassignPolicy(snapshot, "client")).AssignedPolicyName);
    }

    [Fact]
    public void Delete_AssignedPolicyOrInUseObjects_IsRefused()
    {
        var snapshot = TestPolicies.Apply(PolicyEditor.AssignPolicy(TestPolicies.Partner(), "Partner"));

        Assert.Contains("is assigned; unassign it first", Assert.Single(PolicyEditor.DeletePolicy(snapshot, "Partner").Errors), StringComparison.Ordinal);
        Assert.Contains("is used by rule 1 of policy 'Partner'", Assert.Single(PolicyEditor.DeleteFilterList(snapshot, "Partner Filter").Errors), StringComparison.Ordinal);
        Assert.Contains("is used by rule 1 of policy 'Partner'", Assert.Single(PolicyEditor.DeleteFilterAction(snapshot, "Partner Filter Action").Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Delete_RuleThenObjects_Succeeds()
    {
        var snapshot = TestPolicies.Apply(PolicyEditor.DeleteRule(TestPolicies.Partner(), "Partner", 1));
        snapshot = TestPolicies.Apply(PolicyEditor.DeleteFilterList(snapshot, "partner filter"));
        snapshot = TestPolicies.Apply(PolicyEditor.DeleteFilterAction(snapshot, "Partner Filter Action"));
        snapshot = TestPolicies.Apply(PolicyEditor.DeletePolicy(snapshot, "Partner"));
        Assert.Equal(BuiltInPolicies.Snapshot, snapshot);
    }

    [Fact]
    public void UnknownNames_SuggestTheClosest()
    {
        var snapshot = TestPolicies.Partner();
        Assert.Equal("no policy named 'Partnr'; did you mean 'Partner'?", Assert.Single(PolicyEditor.AssignPolicy(snapshot, "Partnr").Errors));
        Assert.Equal(
            ["no policy named 'Partnr'; did you mean 'Partner'?", "no filter list named 'Partner Filtr'; did you mean 'Partner Filter'?", "no filter action named 'Requir Security'; did you mean 'Require Security'?"],
            PolicyEditor.AddRule(snapshot, "Partnr", "Partner Filtr", "Requir Security", [AuthenticationMethod.Kerberos], null).Errors);
    }

    [Fact]
    public void Create_ExistingName_IsRefused()
    {
        var snapshot = TestPolicies.Partner();
        Assert.Equal("a policy named 'Partner' already exists", Assert.Single(PolicyEditor.CreatePolicy(snapshot, "partner", "", true).Errors));
        Assert.Equal("a filter list named 'All IP Traffic' already exists", Assert.Single(PolicyEditor.CreateFilterList(snapshot, "All IP Traffic", "").Errors));
    }

    [Fact]
    public void DeleteFilterOrRule_OutOfRange_IsRefused()
    {
        var snapshot = TestPolicies.Partner();
        Assert.Equal("filter list 'Partner Filter' has no filter 2 (it has 1)", Assert.Single(PolicyEditor.DeleteFilter(snapshot, "Partner Filter", 2).Errors));
        Assert.Equal("policy 'Partner' has no rule 0 (it has 1)", Assert.Single(PolicyEditor.DeleteRule(snapshot, "Partner", 0).Errors));
    }

    [Fact]
    public void SetPolicy_ChangesOnlyWhatIsGiven()
    {
        var method = new IkeSecurityMethod(Core.Algorithms.CipherAlgorithm.TripleDes, Core.Algorithms.IntegrityAlgorithm.Sha1, Core.Algorithms.DhGroup.Modp1024);
        var snapshot = TestPolicies.Apply(PolicyEditor.SetPolicy(TestPolicies.Partner(), "Partner", mainModeLifetimeMinutes: 60, methods: [method], masterKeyPfs: true));
        var policy = snapshot.FindPolicy("Partner")!;

        Assert.Equal(new KeyExchangeSettings(60, 0, true, EquatableList.Of(method)), policy.KeyExchange);
        Assert.False(policy.DefaultResponseRule);
        Assert.Single(policy.Rules);
    }
}
