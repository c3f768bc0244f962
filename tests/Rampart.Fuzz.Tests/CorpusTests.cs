namespace Rampart.Fuzz.Tests;

/// <summary>The seed corpora are real, valid inputs: every target has some, and all of them run cleanly.</summary>
public class CorpusTests
{
    public static TheoryData<string, string> Seeds
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var (target, name) in FuzzInputs.Files("corpus"))
            {
                data.Add(target, name);
            }

            return data;
        }
    }

    [Fact]
    public void EveryTarget_HasSeeds()
    {
        foreach (var target in FuzzTargets.Names)
        {
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(FuzzInputs.FuzzFolder, "corpus", target)));
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Seed_RunsWithoutException(string target, string name)
    {
        var fuzzTarget = FuzzTargets.Create(target)!;
        fuzzTarget.Run(FuzzInputs.Read("corpus", target, name));
        (fuzzTarget as IDisposable)?.Dispose();
    }
}
