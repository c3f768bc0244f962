using Rampart.Core.Policy;
using Rampart.Credentials.Certificates;

namespace Rampart.Cli;

/// <summary>
/// Before the policy store saves an edit that assigns a policy or changes the assigned one: refuses it when a
/// certificate method of it has no trusted CA or no usable certificate with its private key here.
/// </summary>
internal static class CertificateGate
{
    public static PolicyEdit Apply(PolicySnapshot before, PolicyEdit edit)
    {
        if (!edit.Succeeded)
        {
            return edit;
        }

        // An edit that breaks the policy is reported as such by the store: its errors say more.
        var runs = CertificateAssignmentCheck.RulesToCheck(before, edit.Snapshot!);
        if (runs.Count == 0 || PolicyValidator.Validate(edit.Snapshot!).Count > 0)
        {
            return edit;
        }

        var store = CertificateStore.Open();
        var errors = CertificateAssignmentCheck.Check(edit.Snapshot!.AssignedPolicy!.Name, runs, store.LoadPersonal(), store.LoadTrusted(), TimeProvider.System.GetUtcNow());
        return errors.Count == 0 ? edit : PolicyEdit.Fail(errors);
    }

    /// <summary>
    /// After a certificate or trusted CA was removed: warns (on stderr) when the assigned policy's certificate methods
    /// no longer have what they need; the removal itself stands, as Windows let it.
    /// </summary>
    public static void WarnAboutAssignedPolicy(CertificateStore store)
    {
        var snapshot = Cli.Load();
        if (snapshot.AssignedPolicy is not { } assigned)
        {
            return;
        }

        var runs = CertificateAssignmentCheck.RulesToCheck(snapshot with { AssignedPolicyName = null }, snapshot);
        foreach (var error in CertificateAssignmentCheck.Check(assigned.Name, runs, store.LoadPersonal(), store.LoadTrusted(), TimeProvider.System.GetUtcNow()))
        {
            Console.Error.WriteLine($"rampart: warning: the assigned policy is affected: {error}");
        }
    }
}
