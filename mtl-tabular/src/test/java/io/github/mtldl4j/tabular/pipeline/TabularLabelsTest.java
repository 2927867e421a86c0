package io.github.mtldl4j.tabular.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.data.LabelValidator;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.data.TaskSpec;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * The table pipeline's labels: classes are learned from strings and one-hot encoded by construction, so what it needs is
 * that regression targets are finite (refused with file, line, column and task before any training) and that what it
 * encodes passes the same label check as any batch (missing labels are 0 with mask 0).
 */
class TabularLabelsTest {
    private static final String HEADER = "x,price,segment,churn,red,blue\n";

    private static TabularTraining.Settings settings() {
        return TabularTraining.Settings.builder(List.of(TaskSpec.parse("price:regression:price"))).features(List.of("x"))
                .shared(List.of(4)).epochs(1).batch(4).validFraction(0.25).seed(7).build();
    }

    @Test
    void nonFiniteRegressionTargetsAreRefusedWithLineColumnAndTask() {
        for (String bad : new String[] {"NaN", "Infinity", "-Infinity", "1e400"}) {
            String csv = "x,price\n1,2\n2,3\n3," + bad + "\n4,5\n5,6\n6,7\n7,8\n8,9\n";
            InvalidDataException e = assertThrows(InvalidDataException.class,
                    () -> TabularTraining.train(CsvTable.parse(csv, "t.csv"), settings(), null));
            assertTrue(e.getMessage().startsWith("t.csv: line 4, column 'price': task 'price' is a regression and needs a finite "
                    + "number, found '" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void encodedTablesPassTheLabelCheckIncludingMissingLabels() {
        String csv = HEADER
                + "1,2.5,b,yes,1,0\n"
                + "2,NA,a,no,0,1\n"
                + "3,4,c,,1,1\n"
                + "4,-1,,yes,NA,0\n"
                + "5,0,a,no,0,0\n";
        List<TaskSpec> specs = List.of(TaskSpec.parse("price:regression:price"), TaskSpec.parse("segment:multiclass:segment"),
                TaskSpec.parse("churn:binary:churn"), TaskSpec.parse("colours:multilabel:red,blue"));
        TabularPreprocessor pre = TabularPreprocessor.fit(CsvTable.parse(csv, "t.csv"), specs, List.of("x"), Set.of());
        MultiDataSet data = pre.encode(CsvTable.parse(csv, "t.csv")).data();
        new LabelValidator(pre.tasks()).check(data);
        assertEquals(0.0, data.getLabelsMaskArray(1).getDouble(3, 0), "the missing segment is masked");
        assertEquals(0.0, data.getLabels(1).getRow(3).sumNumber().doubleValue(), "and filled with zeros, which the mask exempts");
    }
}
