namespace Rampart.Fuzz.Tests;

/// <summary>
/// Every input a fuzzing run found crashing (fuzz/run.sh copies them to fuzz/crashes/TARGET/) is kept and replayed:
/// once fixed, it must stay fixed.
/// </summary>
public class CrashRegressionTests
{
    [Fact]
    public void EveryKeptCrashInput_NoLongerCrashes()
    {
        var failures = new List<string>();
        foreach (var (target, name) in FuzzInputs.Files("crashes"))
        {
            var fuzzTarget = FuzzTargets.Create(target)!;
            try
            {
                fuzzTarget.Run(FuzzInputs.Read("crashes", target, name));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failures.Add($"{target}/{name}: {e.GetType().Name}: {e.Message}");
            }
            finally
            {
                (fuzzTarget as IDisposable)?.Dispose();
            }
        }

        Assert.Empty(failures);
    }
}
