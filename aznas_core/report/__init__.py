"""What the notebooks show, as tested library functions: comparison-table building blocks
(`common`), the paper's method comparisons (`methods`) and the status of every target
(`targets`). `from aznas_core import report; report.X` reaches every public name of the three.
"""
from aznas_core.report.common import (AGGREGATIONS, DATASET_TITLES, DATASETS,  # noqa: F401
                                      PROXY_LETTERS, RESULTS_DIR, combination_scores, compare,
                                      kendall_table, parse_combination, write_results)
from aznas_core.report.methods import (FIGURE_METHODS, MIN_ARCHS, SAMPLE_SIZES,  # noqa: F401
                                       SUBSTITUTE, TABLE1_METHODS, Method, cached_scores,
                                       claim_row, comparison_frame, documented_sample,
                                       method_rows, method_scores, ms_per_arch,
                                       pair_difference_ci, pair_nonlinear_kendall,
                                       proxy_correlations, timed_ms_per_arch)
from aznas_core.report.targets import TARGETS, Target, status_table  # noqa: F401
from aznas_core.report.blog import (BLOG8, EXT_SPACE_TITLES, SPACE_TITLES,  # noqa: F401
                                    AZNAS_ROWS, CORRELATION_COLUMNS, RESNET18_BLOCKS,
                                    TABLE3_TASKS, BlogCorrelations, BlogProfiles, BlogTable1,
                                    BlogTable2, BlogTable3, BlogTable4, ResNet18,
                                    average_ranks_by_space, blog_correlations, blog_profiles,
                                    blog_spearman, blog_table1, blog_table2, blog_table3,
                                    blog_table4, dominating_proxies, mean_matrix,
                                    plot_blog_profiles, plot_blog_table3,
                                    plot_correlation_heatmaps, save_figure, score_resnet18,
                                    style_verdict, tasks_per_space)
