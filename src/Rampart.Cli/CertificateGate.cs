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
}
