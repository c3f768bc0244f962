using Rampart.Core.Policy;
using Rampart.Credentials.Certificates;

namespace Rampart.Credentials.Tests.Certificates;

/// <summary>Which rules an edit makes the assignment check look at, and what it says about them.</summary>
public sealed class CertificateAssignmentCheckTests : IDisposable
{
    private static readonly PolicySnapshot BuiltIns = BuiltInPolicies.Snapshot;

    private readonly TestPki _pki = new();

    [Fact]
    public void RulesToCheck_AssigningAPolicy_ChecksItsCertificateRuns_IncludingTheDefaultResponseRule()
    {
        var edit = PolicyEditor.SetPolicy(BuiltIns, "Client", defaultResponseAuthentication: [new AuthenticationMethod.Certificate("Test Root"), new AuthenticationMethod.Certificate("Other Root")]);
        var unassigned = edit.Snapshot!;

        var runs = CertificateAssignmentCheck.RulesToCheck(unassigned, PolicyEditor.AssignPolicy(unassigned, "Client").Snapshot!);

        var run = Assert.Single(runs);
        Assert.Equal("the default response rule", run.Rule);
        Assert.Equal(["Test Root", "Other Root"], run.CaNames);
    }

    [Fact]
    public void RulesToCheck_EditThatKeepsTheRuns_OrAnUnassignedPolicy_ChecksNothing()
    {
        var withCertificates = PolicyEditor.SetPolicy(BuiltIns, "Client", defaultResponseAuthentication: [new AuthenticationMethod.Certificate("Test Root")]).Snapshot!;
        var assigned = PolicyEditor.AssignPolicy(withCertificates, "Client").Snapshot!;

        Assert.Empty(CertificateAssignmentCheck.RulesToCheck(assigned, PolicyEditor.SetPolicy(assigned, "Client", description: "new words").Snapshot!));
        Assert.Empty(CertificateAssignmentCheck.RulesToCheck(BuiltIns, withCertificates));
        Assert.Single(CertificateAssignmentCheck.RulesToCheck(assigned, PolicyEditor.SetPolicy(assigned, "Client", defaultResponseAuthentication: [new AuthenticationMethod.Certificate("Other Root")]).Snapshot!));
    }

    [Fact]
    public void Check_UsableCertificate_Passes_ExpiredOneIsNamed()
    {
        var now = _pki.Clock.GetUtcNow();
        var trusted = new[] { TestPki.Trusted(_pki.Root) };
        var good = new PersonalCertificate(_pki.Root.Issue(TestPki.Host("good.example"), now), []);
        var old = new PersonalCertificate(_pki.Root.Issue(TestPki.Host("old.example", validity: TimeSpan.FromHours(1)), now.AddDays(-2)), []);
        (string, IReadOnlyList<string>)[] runs = [("rule 1", ["Test Root"])];

        Assert.Empty(CertificateAssignmentCheck.Check("Partner", runs, [good], trusted, now));
        var error = Assert.Single(CertificateAssignmentCheck.Check("Partner", runs, [old], trusted, now));
        Assert.Contains("expired", error, StringComparison.Ordinal);
        Assert.Contains(CertificateAssignmentCheck.PrivateKeyMessage, error, StringComparison.Ordinal);
    }

    public void Dispose() => _pki.Dispose();
}
