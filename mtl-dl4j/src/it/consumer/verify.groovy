// What a user of the README's instructions gets: the Quickstart ran and learned, logging has a provider, and the
// dependency tree has no backend, no CSV stack, no Spark and no command line coming from mtl-dl4j.
def output = new File(basedir, 'target/quickstart-output.txt').getText('UTF-8')
def buildLog = new File(basedir, 'build.log').getText('UTF-8')
assert !output.contains('No SLF4J providers'): "no SLF4J binding:\n${output}"
assert !(output =~ /(?m)^\s+at [\w$.]+\(/): "the Quickstart printed a stack trace:\n${output}"
assert output.contains('losses by task: {price='): output
def accuracyMatch = output =~ /segment accuracy on the training rows: ([0-9.]+)/
assert accuracyMatch.find(): output
double accuracy = Double.parseDouble(accuracyMatch.group(1))
// Three classes: chance is 1/3. The segment is the largest of three features, which 200 steps learn well.
assert accuracy >= 0.6: "segment accuracy ${accuracy} after 200 steps:\n${output}"
assert new File(basedir, 'model.zip').isFile()

def tree = new File(basedir, 'target/dependency-tree.txt').readLines()
// The subtree under mtl-dl4j: deeper lines after it, until the next line at its depth or shallower.
def depth = { String line -> line.indexOf(line.find(/[a-z]/)) }
def start = tree.findIndexOf { it.contains('io.github.mtldl4j:mtl-dl4j:jar:') }
assert start >= 0: tree.join('\n')
def library = [tree[start]]
for (int i = start + 1; i < tree.size() && depth(tree[i]) > depth(tree[start]); i++) {
    library << tree[i]
}
def backend = library.findAll { it =~ /nd4j-native|nd4j-cuda|org\.bytedeco:(openblas|javacpp|cuda):jar:linux/ }
assert backend.isEmpty(): "mtl-dl4j brings a backend of its own:\n${backend.join('\n')}"
// The tabular pipeline (commons-csv), Spark and the command line (picocli) live in other modules.
def heavy = library.findAll { it =~ /org\.apache\.commons:commons-csv:|org\.apache\.spark:|info\.picocli:|io\.github\.mtldl4j:mtl-(tabular|spark|cli|examples):/ }
assert heavy.isEmpty(): "mtl-dl4j brings what belongs to other modules:\n${heavy.join('\n')}"
println "consumer project: segment accuracy ${accuracy}, mtl-dl4j's subtree has ${library.size() - 1} artifacts, no backend, no CSV stack, no Spark"
return true
